package org.mvpseg.imagej;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Image files as the command line and dataset folders find and open them (through ImageJ's readers). */
public final class ImageFiles {

	/** The one list of file endings read as images. */
	public static final List<String> SUFFIXES = List.of(".tif", ".tiff", ".png", ".jpg", ".jpeg", ".bmp", ".gif");

	private ImageFiles() {}

	public static boolean isTiff(Path p) {
		String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
		return n.endsWith(".tif") || n.endsWith(".tiff");
	}

	public static boolean isImage(Path p) {
		String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
		return SUFFIXES.stream().anyMatch(n::endsWith);
	}

	/** The images of a folder, sorted by name. */
	public static List<Path> list(Path dir) throws IOException {
		try (Stream<Path> st = Files.list(dir)) {
			return st.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList();
		}
	}

	/** Files and folders given by a user → image files (a folder gives its images). */
	public static List<Path> collect(List<String> args) throws IOException {
		List<Path> out = new ArrayList<>();
		for (String s : args) {
			Path p = Path.of(s);
			if (Files.isDirectory(p)) out.addAll(list(p));
			else if (Files.isRegularFile(p)) out.add(p);
			else throw new NoSuchFileException(s);
		}
		if (out.isEmpty()) throw new IllegalArgumentException("No images found in " + args + " (looked for "
			+ String.join(", ", SUFFIXES) + ").");
		return out;
	}

	public static ImagePlus open(Path p) throws IOException {
		if (isTiff(p) && Files.isRegularFile(p)) checkTiff(p);
		ImagePlus imp = IJ.openImage(p.toString());
		if (imp == null) throw new IOException("cannot read " + p.getFileName() + " as an image (supported: TIFF, PNG, "
			+ "JPEG, BMP, GIF)");
		return imp;
	}

	/**
	 * ImageJ reads a TIFF whose strips are shorter than its pixels as zeros: each image's strips must lie within the
	 * file, and uncompressed pixels must fit in it.
	 */
	static void checkTiff(Path p) throws IOException {
		ij.io.FileInfo[] info;
		try {
			info = new ij.io.TiffDecoder(p.toAbsolutePath().getParent().toString() + java.io.File.separator, p
				.getFileName().toString()).getTiffInfo();
		}
		catch (IOException | RuntimeException e) {
			throw new IOException(p.getFileName() + " is not a readable TIFF (" + e.getMessage() + ").", e);
		}
		long size = Files.size(p);
		for (ij.io.FileInfo fi : info == null ? new ij.io.FileInfo[0] : info) {
			long end = fi.getOffset();
			if (fi.stripOffsets != null && fi.stripLengths != null) for (int i = 0; i < Math.min(fi.stripOffsets.length,
				fi.stripLengths.length); i++) end = Math.max(end, (fi.stripOffsets[i] & 0xFFFFFFFFL) + fi.stripLengths[i]);
			if (fi.compression == ij.io.FileInfo.COMPRESSION_NONE) end = Math.max(end, fi.getOffset() + (long) fi.width
				* fi.height * fi.getBytesPerPixel() * Math.max(1, fi.nImages) + Math.max(0, fi.nImages - 1)
				* fi.gapBetweenImages);
			if (end > size) throw new IOException(p.getFileName() + " is damaged: its pixels need " + end + " bytes but "
				+ "the file has " + size + " (truncated?). Use a complete copy.");
		}
	}

	/** The name without its last ending. */
	public static String baseName(Path p) {
		String n = p.getFileName().toString();
		int dot = n.lastIndexOf('.');
		return dot > 0 ? n.substring(0, dot) : n;
	}
}
