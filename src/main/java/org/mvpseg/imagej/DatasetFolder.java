package org.mvpseg.imagej;

import ij.IJ;
import ij.ImagePlus;
import org.mvpseg.mvp.LabelledImage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A training/evaluation folder: {@code images/*} and {@code labels/*} with the same base names
 * (label images hold class indices, 255 = ignore) and {@code classes.txt} (line n = the name of
 * class index n). Read with ImageJ, so any format it opens works.
 */
public final class DatasetFolder {


	/** The class names and the annotated images. */
	public record Contents(List<String> classes, List<LabelledImage> images) {}

	private DatasetFolder() {}

	/** What a dataset folder holds, for messages. */
	public static final String LAYOUT = "A dataset folder needs images/, labels/ (label images of class indices, "
		+ "255 = not annotated, same base names as the images) and classes.txt (line n = the name of label n).";

	/** The folder a dialog or macro named: a blank name is refused with what the folder must hold. */
	public static Contents load(String folder) throws IOException {
		if (folder == null || folder.isBlank()) throw new org.mvpseg.runtime.RequestException("No dataset folder "
			+ "given (data_folder). " + LAYOUT);
		return load(Path.of(folder.strip()));
	}

	public static Contents load(Path dir) throws IOException {
		Path classesFile = dir.resolve("classes.txt"), images = dir.resolve("images"), labels = dir.resolve("labels");
		List<String> missing = new ArrayList<>();
		for (Path p : List.of(images, labels, classesFile)) if (!Files.exists(p)) missing.add(p.getFileName()
			+ (p == classesFile ? "" : "/"));
		if (!missing.isEmpty()) throw new IOException(dir.toAbsolutePath() + " is not a dataset folder: it has no "
			+ String.join(", ", missing) + ". " + LAYOUT);
		List<String> classes = new ArrayList<>();
		for (String line : Files.readAllLines(classesFile, StandardCharsets.UTF_8)) classes.add(line.strip());
		while (!classes.isEmpty() && classes.get(classes.size() - 1).isEmpty()) classes.remove(classes.size() - 1);
		if (classes.isEmpty()) throw new IOException(classesFile + " lists no classes.");
		for (int i = 0; i < classes.size(); i++) {
			if (classes.get(i).isEmpty()) throw new IOException(classesFile + ": line " + (i + 1) + " is empty; every "
				+ "label value needs a name.");
			int first = classes.indexOf(classes.get(i));
			if (first < i) throw new IOException("classes.txt names \"" + classes.get(i) + "\" twice (lines " + (first
				+ 1) + " and " + (i + 1) + " of " + classesFile + "); each class needs one label value: merge them in the "
				+ "label images and remove one line.");
		}
		Map<String, Path> labelFiles = byBaseName(labels);
		List<LabelledImage> out = new ArrayList<>();
		for (Map.Entry<String, Path> e : byBaseName(images).entrySet()) {
			Path lf = labelFiles.get(e.getKey());
			if (lf == null) throw new IOException("No label image for " + e.getValue().getFileName() + " in " + labels
				+ " (same base name, e.g. " + e.getKey() + ".png).");
			ImagePlus img = ImageFiles.open(e.getValue()), lab = ImageFiles.open(lf);
			if (lab.getType() != ImagePlus.GRAY8 && lab.getType() != ImagePlus.GRAY16) throw new IOException(lf
				+ " must be an 8- or 16-bit label image of class indices, not " + (lab.getBitDepth()) + "-bit.");
			if (lab.getWidth() != img.getWidth() || lab.getHeight() != img.getHeight()) throw new IOException(
				"The label image " + lf + " is " + lab.getWidth() + "x" + lab.getHeight() + " but its image " + e
					.getValue() + " is " + img.getWidth() + "x" + img.getHeight() + "; they must be the same size.");
			int[] values = labelValues(lf, lab, classes.size());
			out.add(new LabelledImage(e.getKey(), new ImagePlusSource(img, 1, 1), values));
		}
		if (out.isEmpty()) throw new IOException("No images in " + images + ".");
		return new Contents(List.copyOf(classes), out);
	}

	/**
	 * The label image's values, each a class index or 255 (not annotated): any other value would be ignored silently
	 * in training and evaluation, so it is refused with where it is.
	 */
	private static int[] labelValues(Path file, ImagePlus lab, int classes) throws IOException {
		int[] values = new int[lab.getWidth() * lab.getHeight()];
		var ip = lab.getProcessor();
		for (int i = 0; i < values.length; i++) {
			values[i] = ip.get(i);
			if (values[i] >= classes && values[i] != LabelledImage.IGNORE_VALUE) throw new IOException("The label image "
				+ file + " holds the value " + values[i] + " at x=" + i % lab.getWidth() + ", y=" + i / lab.getWidth()
				+ ", but classes.txt names " + classes + " classes (values 0-" + (classes - 1) + ", 255 = not annotated); "
				+ "add its class to classes.txt or correct the label image.");
		}
		return values;
	}

	private static Map<String, Path> byBaseName(Path dir) throws IOException {
		Map<String, Path> m = new TreeMap<>();
		try (Stream<Path> s = Files.list(dir)) {
			for (Path p : (Iterable<Path>) s::iterator) if (Files.isRegularFile(p) && ImageFiles.isImage(p)) m.put(
				ImageFiles.baseName(p), p);
		}
		return m;
	}
}
