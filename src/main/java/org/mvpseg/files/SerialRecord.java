package org.mvpseg.files;

import java.io.InvalidObjectException;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;

/**
 * Java serialisation for a record with {@link Path} components (Spark sends a job's request and output target to its
 * executors; Path itself is not Serializable). The record's {@code writeReplace} returns {@code new SerialRecord(this)},
 * which carries the components, each Path as its text, and rebuilds the record through its canonical constructor on
 * the other side, so the record's checks run there too. Every other component must be Serializable itself.
 */
public final class SerialRecord implements Serializable {

	private static final long serialVersionUID = 1L;

	private final Class<? extends Record> type;
	private final Object[] parts;
	private final boolean[] paths;

	public SerialRecord(Record r) {
		RecordComponent[] cs = r.getClass().getRecordComponents();
		type = r.getClass();
		parts = new Object[cs.length];
		paths = new boolean[cs.length];
		for (int i = 0; i < cs.length; i++) {
			Object v;
			try {
				v = cs[i].getAccessor().invoke(r);
			}
			catch (ReflectiveOperationException e) {
				throw new IllegalStateException(type.getName() + " cannot be serialised: " + e, e);
			}
			paths[i] = v instanceof Path;
			parts[i] = paths[i] ? v.toString() : v;
		}
	}

	private Object readResolve() throws ObjectStreamException {
		RecordComponent[] cs = type.getRecordComponents();
		Class<?>[] types = new Class<?>[cs.length];
		Object[] args = new Object[cs.length];
		for (int i = 0; i < cs.length; i++) {
			types[i] = cs[i].getType();
			args[i] = paths[i] ? Path.of((String) parts[i]) : parts[i];
		}
		try {
			return type.getDeclaredConstructor(types).newInstance(args);
		}
		catch (ReflectiveOperationException e) {
			InvalidObjectException x = new InvalidObjectException(type.getName() + " could not be rebuilt: " + e);
			x.initCause(e);
			throw x;
		}
	}
}
