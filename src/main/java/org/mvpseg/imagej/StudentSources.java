package org.mvpseg.imagej;

import org.mvpseg.mvp.LabelledImage;
import org.mvpseg.mvp.MvpLosses;
import org.mvpseg.student.StudentData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The images MVP-SEG+ learns from, as both adapters read them: a dataset folder and/or a folder of images. */
public final class StudentSources {

	private StudentSources() {}

	/**
	 * @param unlabeled a folder of images (the teacher labels every pixel), or null
	 * @param data a dataset folder whose labels mark not-annotated pixels 255 (annotated pixels keep their class;
	 *          classes not among {@code classes} count as not annotated), or null
	 */
	public static List<StudentData.Source> of(Path unlabeled, Path data, List<String> classes) throws IOException {
		if (unlabeled == null && data == null) throw new IllegalArgumentException("Give a folder of unlabeled images "
			+ "and/or a dataset folder with partial annotations.");
		List<StudentData.Source> out = new ArrayList<>();
		if (data != null) {
			DatasetFolder.Contents d = DatasetFolder.load(data);
			List<String> present = classes.stream().filter(d.classes()::contains).toList();
			int[] map = LabelledImage.classIndex(d.classes(), present);
			for (LabelledImage li : d.images()) {
				int[] gt = new int[li.labels().length];
				for (int i = 0; i < gt.length; i++) {
					int v = li.labels()[i], idx = v < map.length ? map[v] : MvpLosses.IGNORE;
					gt[i] = idx == MvpLosses.IGNORE ? MvpLosses.IGNORE : classes.indexOf(present.get(idx));
				}
				out.add(new StudentData.Source(li.name(), li::image, gt));
			}
		}
		if (unlabeled != null) for (Path p : ImageFiles.collect(List.of(unlabeled.toString()))) out.add(
			new StudentData.Source(ImageFiles.baseName(p), () -> new ImagePlusSource(ImageFiles.open(p), 1, 1), null));
		return out;
	}
}
