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
		ImagePlus imp = IJ.openImage(p.toString());
		if (imp == null) throw new IOException("cannot read " + p.getFileName() + " as an image (supported: TIFF, PNG, "
			+ "JPEG, BMP, GIF)");
		return imp;
	}

	/** The name without its last ending. */
	public static String baseName(Path p) {
		String n = p.getFileName().toString();
		int dot = n.lastIndexOf('.');
		return dot > 0 ? n.substring(0, dot) : n;
	}
}
