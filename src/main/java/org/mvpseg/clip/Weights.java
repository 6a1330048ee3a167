package org.mvpseg.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFormatException;

import java.util.Arrays;
import java.util.Map;

/**
 * Hands out frozen weight tensors by OpenAI name, checking each against the shape the
 * architecture implies, so a file that contradicts itself fails with a message that names the tensor.
 */
final class Weights {

	private final Map<String, RawTensor> raw;
	private final NDManager manager;
	private final DataType dtype;

	Weights(Map<String, RawTensor> raw, NDManager manager, DataType dtype) {
		this.raw = raw;
		this.manager = manager;
		this.dtype = dtype;
	}

	boolean has(String name) {
		return raw.containsKey(name);
	}

	/** The tensor {@code name}, which must have exactly {@code shape}. */
	NDArray get(String name, long... shape) throws WeightFormatException {
		RawTensor t = raw(name, shape);
		return Nn.owned(manager.create(t.toFloats(), new Shape(t.shape())).toType(dtype, false));
	}

	float[] floats(String name, long... shape) throws WeightFormatException {
		return raw(name, shape).toFloats();
	}

	NDArray create(float[] data, long... shape) {
		return Nn.owned(manager.create(data, new Shape(shape)).toType(dtype, false));
	}

	/** What a model or tower builds from a file's tensors. */
	interface Builder<T> {
		T build(Map<String, RawTensor> tensors) throws WeightFormatException;
	}

	/** Reads {@code file} and builds from its tensors; a problem with their names or shapes names the file. */
	static <T> T build(java.nio.file.Path file, Builder<T> builder) throws java.io.IOException {
		Map<String, RawTensor> tensors = org.mvpseg.clip.io.WeightFiles.read(file); // its messages name the file
		try {
			return builder.build(tensors);
		}
		catch (WeightFormatException e) {
			throw new WeightFormatException(file.getFileName() + ": " + e.getMessage(), e);
		}
	}

	/** Tensor {@code name} of {@code t}, to read sizes off its shape; without it the file is not {@code what}. */
	static RawTensor require(Map<String, RawTensor> t, String name, String what) throws WeightFormatException {
		RawTensor r = t.get(name);
		if (r == null) throw new WeightFormatException("The weights lack tensor '" + name + "': not " + what + ".");
		return r;
	}

	private RawTensor raw(String name, long... shape) throws WeightFormatException {
		RawTensor t = raw.get(name);
		if (t == null) throw new WeightFormatException("The weights lack tensor '" + name
			+ "': the file is incomplete or not a CLIP model. Download it again or use a complete checkpoint.");
		if (!t.type().isFloat()) throw new WeightFormatException("Tensor '" + name + "' is stored as " + t.type()
			+ "; CLIP weights must be floating point.");
		if (!Arrays.equals(t.shape(), shape)) throw new WeightFormatException("Tensor '" + name + "' has shape "
			+ Arrays.toString(t.shape()) + " but the rest of the model implies " + Arrays.toString(shape)
			+ "; the file mixes tensors of different models or is damaged.");
		return t;
	}
}
