package org.mvpseg.clip.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor as stored in a weight file: name, storage type, shape and little-endian bytes
 * (contiguous, row-major). Converted to fp32/fp64 in Java, so no BF16 array ever reaches DJL
 * (DJL aborts the JVM on BF16).
 */
public record RawTensor(String name, StorageType type, long[] shape, ByteBuffer data) {

	/** Storage types that appear in CLIP weight files. */
	public enum StorageType {
		F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

		public final int bytes;

		StorageType(int bytes) {
			this.bytes = bytes;
		}

		public boolean isFloat() {
			return this == F32 || this == F16 || this == BF16 || this == F64;
		}
	}

	public RawTensor {
		data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
	}

	public long numel() {
		long n = 1;
		for (long d : shape) n *= d;
		return n;
	}

	public long dim(int i) {
		return shape[i < 0 ? shape.length + i : i];
	}

	/** The values widened to fp32 (exact for F16 and BF16). */
	public float[] toFloats() {
		int n = Math.toIntExact(numel());
		float[] out = new float[n];
		ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
		switch (type) {
			case F32 -> b.asFloatBuffer().get(out);
			case F16 -> {
				for (int i = 0; i < n; i++) out[i] = halfToFloat(b.getShort(2 * i));
			}
			case BF16 -> {
				for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
			}
			case F64 -> {
				for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(8 * i);
			}
			case I64 -> {
				for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i);
			}
			case I32 -> {
				for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i);
			}
			case I16 -> {
				for (int i = 0; i < n; i++) out[i] = b.getShort(2 * i);
			}
			case I8 -> {
				for (int i = 0; i < n; i++) out[i] = b.get(i);
			}
			case U8, BOOL -> {
				for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff;
			}
		}
		return out;
	}

	/** IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included). */
	static float halfToFloat(short h) {
		int bits = h & 0xffff, sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
		if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
		if (exp == 0) {
			float v = mant * 0x1p-24f; // subnormal: mant · 2^-24
			return sign != 0 ? -v : v;
		}
		return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
	}

	@Override
	public String toString() {
		return name + " " + type + Arrays.toString(shape);
	}
}
