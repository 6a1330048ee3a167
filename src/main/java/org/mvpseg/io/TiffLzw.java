package org.mvpseg.io;

import java.io.IOException;

/**
 * TIFF's LZW (compression 5; TIFF 6.0 specification, section 13): codes read most significant bit first, 9 bits
 * wide at first, one bit wider each time the next free code reaches 2^width − 1 ("early change", as libtiff writes),
 * at most 12; 256 clears the table, 257 ends the strip.
 */
final class TiffLzw {

	private static final int CLEAR = 256, END = 257, FIRST_FREE = 258, MAX_CODES = 4096;

	private TiffLzw() {}

	/** The {@code expected} bytes that {@code in} encodes (fewer where the strip ends early: the rest stays 0). */
	static byte[] decode(byte[] in, int expected) throws IOException {
		byte[] out = new byte[expected];
		int[] prefix = new int[MAX_CODES], length = new int[MAX_CODES];
		byte[] suffix = new byte[MAX_CODES], first = new byte[MAX_CODES];
		for (int i = 0; i < 256; i++) {
			suffix[i] = first[i] = (byte) i;
			length[i] = 1;
		}
		int width = 9, next = FIRST_FREE, prev = -1, pos = 0;
		long bit = 0, bits = in.length * 8L;
		while (pos < expected && bit + width <= bits) {
			int code = read(in, bit, width);
			bit += width;
			if (code == END) break;
			if (code == CLEAR) {
				width = 9;
				next = FIRST_FREE;
				prev = -1;
				continue;
			}
			if (prev < 0 ? code > 255 : code > next) throw new IOException("damaged LZW data (code " + code + ")");
			if (prev >= 0 && next < MAX_CODES) { // the new entry: the previous string and this one's first byte
				prefix[next] = prev;
				suffix[next] = code == next ? first[prev] : first[code];
				length[next] = length[prev] + 1;
				first[next] = first[prev];
				next++;
			}
			pos = emit(code, prefix, suffix, length, out, pos);
			prev = code;
			if (next >= (1 << width) - 1 && width < 12) width++;
		}
		return out;
	}

	/** Writes the string of {@code code} at {@code pos} (cut at the end of {@code out}); the position after it. */
	private static int emit(int code, int[] prefix, byte[] suffix, int[] length, byte[] out, int pos) {
		int len = length[code];
		for (int i = len - 1, c = code; i >= 0; i--, c = prefix[c]) if (pos + i < out.length) out[pos + i] = suffix[c];
		return pos + len;
	}

	/** {@code width} bits at bit position {@code at}, most significant first. */
	private static int read(byte[] in, long at, int width) {
		int v = 0;
		for (int i = 0; i < width; i++) {
			long b = at + i;
			v = (v << 1) | ((in[(int) (b >>> 3)] >>> (7 - (int) (b & 7))) & 1);
		}
		return v;
	}
}
