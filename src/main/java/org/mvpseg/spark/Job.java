package org.mvpseg.spark;

import org.mvpseg.batch.FileSegmentation;
import org.mvpseg.pipeline.Pipeline;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.pipeline.SegmentRequest;
import org.mvpseg.runtime.Progress;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.util.List;

/**
 * What the driver made of the command line, once: the request, where and what to write, the images, the tiles of huge
 * images, and where to run. Every path in it is absolute (executors run in folders of their own). This record, not
 * the command line, is what reaches the executors (broadcast), so no executor parses options.
 *
 * @param images the images, absolute
 * @param tile the largest core of a tiled image (0: no tiling)
 * @param partitions tasks asked for (0: automatic, {@link SegmentJob#partitions})
 * @param master Spark's master, or null for Spark's default (spark-submit's)
 * @param key what decides the segmentation, as text: names the staged tiles a re-run may reuse and each task
 *          thread's prepared pipeline
 */
public record Job(SegmentRequest request, FileSegmentation.Target target, List<String> images, int tile,
	int partitions, String master, String key) implements Serializable
{
	public Job {
		images = List.copyOf(images);
	}

	/** The job with its key: a SHA-256 of the serialised request and objects (whatever shapes the staged tiles). */
	public static Job of(SegmentRequest request, FileSegmentation.Target target, List<String> images, int tile,
		int partitions, String master)
	{
		Object[] shaping = { request, target.objects() };
		byte[] d;
		try {
			d = java.security.MessageDigest.getInstance("SHA-256").digest(serialise(shaping));
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e); // every Java has SHA-256
		}
		return new Job(request, target, images, tile, partitions, master, java.util.HexFormat.of().formatHex(d));
	}

	/** Each executor JVM's pipelines, by job key: prepared once, shared by the JVM's task threads. */
	private static final java.util.Map<String, Prepared> PREPARED = new java.util.concurrent.ConcurrentHashMap<>();

	/**
	 * This JVM's pipeline for the job, prepared by the first task that asks and kept for the later ones (Spark reuses
	 * its executors), so an executor encodes the class texts once; the model itself is shared by the whole JVM anyway
	 * ({@code ModelService}). One for all task threads: a prepared pipeline keeps nothing of the images it segments.
	 * Not to be closed: the JVM keeps it.
	 */
	Prepared prepared() throws IOException {
		try {
			return PREPARED.computeIfAbsent(key, k -> {
				try {
					return Pipeline.prepare(request, Progress.NONE);
				}
				catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			});
		}
		catch (java.io.UncheckedIOException e) {
			throw e.getCause(); // not kept: the next task tries again
		}
	}

	/** The job serialised, to hand to the driver in Spark's own class loader ({@link #read}). */
	public byte[] bytes() {
		return serialise(this);
	}

	/** A job serialised by {@link #bytes}, read with this class's class loader (Spark's, from the jar). */
	public static Job read(byte[] bytes) throws IOException {
		try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
			@Override
			protected Class<?> resolveClass(ObjectStreamClass c) throws IOException, ClassNotFoundException {
				try {
					return Class.forName(c.getName(), false, Job.class.getClassLoader());
				}
				catch (ClassNotFoundException e) {
					return super.resolveClass(c); // a primitive type's descriptor
				}
			}
		}) {
			return (Job) in.readObject();
		}
		catch (ClassNotFoundException e) {
			throw new IOException(e);
		}
	}

	private static byte[] serialise(Object o) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (ObjectOutputStream out = new ObjectOutputStream(b)) {
			out.writeObject(o);
		}
		catch (IOException e) {
			throw new java.io.UncheckedIOException(e); // in memory: only a component that is not Serializable
		}
		return b.toByteArray();
	}
}
