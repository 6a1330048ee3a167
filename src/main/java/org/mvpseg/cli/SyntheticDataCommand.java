package org.mvpseg.cli;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import org.mvpseg.mvp.LabelledImage;
import org.mvpseg.mvp.SyntheticDataset;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code synthetic-data DIR}: writes the colour/texture dataset used to check that training learns. */
final class SyntheticDataCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "synthetic-data DIR [--images 12] [--size 128] [--seed 1]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("images", "size", "seed"), Set.of());
		if (a.positional.size() != 1) throw new Args.UsageException("give the folder to write");
		Path dir = Path.of(a.positional.get(0));
		if (Files.exists(dir.resolve("classes.txt"))) throw new IllegalArgumentException(dir
			+ " already holds a dataset; choose an empty folder.");
		List<LabelledImage> data = SyntheticDataset.generate(a.integer("images", 12, 1), a.integer("size", 128, 16), a
			.integer("seed", 1, Integer.MIN_VALUE));
		Files.createDirectories(dir.resolve("images"));
		Files.createDirectories(dir.resolve("labels"));
		Files.write(dir.resolve("classes.txt"), SyntheticDataset.CLASSES);
		for (LabelledImage li : data) {
			int w = li.image().width(), h = li.image().height();
			ColorProcessor cp = new ColorProcessor(w, h);
			float[][] ch = new float[3][w * h];
			for (int c = 0; c < 3; c++) li.image().read(c, 0, 0, w, h, ch[c]);
			for (int i = 0; i < w * h; i++) cp.set(i, ((int) ch[0][i] << 16) | ((int) ch[1][i] << 8) | (int) ch[2][i]);
			ByteProcessor bp = new ByteProcessor(w, h);
			for (int i = 0; i < w * h; i++) bp.set(i, li.labels()[i]);
			new FileSaver(new ImagePlus(li.name(), cp)).saveAsPng(dir.resolve("images/" + li.name() + ".png").toString());
			new FileSaver(new ImagePlus(li.name(), bp)).saveAsPng(dir.resolve("labels/" + li.name() + ".png").toString());
		}
		out.println("wrote " + data.size() + " images of classes " + SyntheticDataset.CLASSES + " to " + dir);
		return 0;
	}
}
