package org.mvpseg.features;

/**
 * A 64-bit digest of one window's CLIP input: the normalised float pixels exactly as the image tower would see them,
 * with the window's place and size. Equal digests mean equal input (up to a 2⁻⁶⁴ accident), so stored features
 * are reused only for the pixels they came from — whatever changed the image (an edit, other channels, another
 * intensity scaling, a resize) changes the digest. Not a security hash: it guards against mistakes, not attacks.
 */
public final class WindowDigest {

	private WindowDigest() {}

	private static final long P1 = 0x9E3779B97F4A7C15L, P2 = 0xC2B2AE3D27D4EB4FL;

	/** {@code pixels[offset, offset + length)} of the window at (x, y), w × h inside the image, in a winW × winH tensor. */
	public static long of(float[] pixels, int offset, int length, int x, int y, int w, int h, int winW, int winH) {
		long a = mix(P1 ^ x, y), b = mix(P2 ^ w, h ^ ((long) winW << 20) ^ ((long) winH << 40));
		int end = offset + length, i = offset;
		for (; i + 1 < end; i += 2) { // two lanes: twice the throughput of one dependent chain
			a = mix(a, Float.floatToRawIntBits(pixels[i]));
			b = mix(b, Float.floatToRawIntBits(pixels[i + 1]));
		}
		if (i < end) a = mix(a, Float.floatToRawIntBits(pixels[i]));
		return finish(a ^ Long.rotateLeft(b, 31) ^ length);
	}

	private static long mix(long h, long v) {
		return Long.rotateLeft(h ^ (v * P2), 31) * P1;
	}

	/** murmur3's 64-bit finaliser: every input bit reaches every output bit. */
	private static long finish(long h) {
		h ^= h >>> 33;
		h *= 0xff51afd7ed558ccdL;
		h ^= h >>> 33;
		h *= 0xc4ceb9fe1a85ec53L;
		return h ^ (h >>> 33);
	}
}
