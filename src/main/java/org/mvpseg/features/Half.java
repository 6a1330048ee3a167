package org.mvpseg.features;

/**
 * IEEE 754 half precision ↔ float (Java 17 has no Float.floatToFloat16): round to nearest, ties to even; overflow
 * to infinity, NaN kept, subnormals kept. Used for fp16 feature files (half the bytes, not exact).
 */
final class Half {

	private Half() {}

	static short fromFloat(float f) {
		int bits = Float.floatToRawIntBits(f);
		int sign = (bits >>> 16) & 0x8000;
		int exp = (bits >>> 23) & 0xff, mant = bits & 0x7fffff;
		if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0)); // NaN or ∞
		int e = exp - 127 + 15;
		if (e >= 0x1f) return (short) (sign | 0x7c00); // too large: ∞
		if (e <= 0) { // subnormal half (or zero)
			if (e < -10) return (short) sign;
			mant |= 0x800000; // the implicit bit
			int shift = 14 - e;
			int half = mant >>> shift, rest = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
			if (rest > mid || rest == mid && (half & 1) != 0) half++;
			return (short) (sign | half);
		}
		int half = (e << 10) | (mant >>> 13), rest = mant & 0x1fff;
		if (rest > 0x1000 || rest == 0x1000 && (half & 1) != 0) half++; // may carry into the exponent: still right
		return (short) (sign | half);
	}

	static float toFloat(short h) {
		int sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
		if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
		if (exp == 0) {
			if (mant == 0) return Float.intBitsToFloat(sign);
			float v = mant * 0x1p-24f; // subnormal: mant · 2^-24
			return sign != 0 ? -v : v;
		}
		return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
	}
}
