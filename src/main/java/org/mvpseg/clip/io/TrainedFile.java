package org.mvpseg.clip.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Reading a file that only training makes (a prompt set, a student, a checkpoint): every tensor is checked for
 * presence, shape and finite values, and a damaged file says so with what to do — retrain or resume, never "download
 * it again", which the weight readers say of downloaded weights.
 */
public final class TrainedFile {

	private final Path file;
	/** What the file is ("prompt set") and what to do about a damaged one ("train again"), for messages. */
	private final String kind, remedy;

	public TrainedFile(Path file, String kind, String remedy) {
		this.file = file;
		this.kind = kind;
		this.remedy = remedy;
	}

	/** Something that reads the file. */
	public interface Read<T> {
		T get() throws IOException;
	}

	/** Runs {@code read}, turning the readers' "truncated; download it again" into this file's message. */
	public <T> T read(Read<T> read) throws IOException {
		try {
			return read.get();
		}
		catch (WeightFormatException e) {
			throw damaged(e.getMessage().replaceAll("[;:.,]? *[Dd]ownload it again\\.?", "").strip());
		}
	}

	/** The metadata, then the tensors (safetensors). */
	public Map<String, String> metadata() throws IOException {
		return read(() -> SafetensorsReader.metadata(file));
	}

	public Map<String, RawTensor> tensors() throws IOException {
		return read(() -> SafetensorsReader.read(file));
	}

	/** "FILE is a damaged KIND (why); REMEDY." */
	public WeightFormatException damaged(String why) {
		return new WeightFormatException(file.getFileName() + " is a damaged " + kind + " (" + why + "); " + remedy
			+ ".");
	}

	/**
	 * Tensor {@code name} as floats: present, of exactly {@code shape} (a dimension of -1 takes any size), every value
	 * finite.
	 */
	public float[] floats(Map<String, RawTensor> tensors, String name, long... shape) throws IOException {
		RawTensor t = tensors.get(name);
		if (t == null) throw damaged("it has no tensor " + name);
		boolean fits = t.type().isFloat() && t.shape().length == shape.length;
		for (int i = 0; fits && i < shape.length; i++) fits = shape[i] < 0 || t.shape()[i] == shape[i];
		if (!fits) throw damaged("tensor " + name + " is " + t.type() + " " + Arrays.toString(t.shape()) + ", expected F32 "
			+ Arrays.toString(shape).replace("-1", "any"));
		float[] v = t.toFloats();
		for (int i = 0; i < v.length; i++) if (!Float.isFinite(v[i])) throw damaged("tensor " + name + " holds " + v[i]
			+ " at position " + i);
		return v;
	}

	/** A whole number of the metadata in [min, max]. */
	public int integer(Map<String, String> meta, String key, int min, int max) throws IOException {
		String v = meta.get(key);
		try {
			int n = Integer.parseInt(v == null ? "" : v.strip());
			if (n < min || n > max) throw damaged(key + " " + n + " is outside " + min + ".." + max);
			return n;
		}
		catch (NumberFormatException e) {
			throw damaged(v == null ? "no " + key + " in its metadata" : key + " '" + v + "' is not a whole number");
		}
	}

	/** A number of the metadata that must be finite. */
	public double decimal(Map<String, String> meta, String key) throws IOException {
		try {
			double d = Double.parseDouble(String.valueOf(meta.get(key)).strip());
			if (!Double.isFinite(d)) throw damaged(key + " is " + d);
			return d;
		}
		catch (NumberFormatException e) {
			throw damaged(key + " '" + meta.get(key) + "' is not a number");
		}
	}
}
