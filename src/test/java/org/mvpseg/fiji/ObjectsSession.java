package org.mvpseg.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;
import ij.process.ByteProcessor;

import java.awt.EventQueue;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.Window;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Objects in a real ImageJ window, under Xvfb (README › Performance, examples/screenshot-objects.png):
 * <ul>
 * <li>{@code rois N}: N objects (a grid of squares) traced and added to a visible ROI Manager, the way Segment by Name
 * adds them (in one batch, the list hidden meanwhile) and, for comparison, one by one with {@code addRoi} as the
 * class ROIs are added; prints each one's time and the longest wait of the event thread (what a user feels as a
 * frozen window);</li>
 * <li>{@code screenshot WEIGHTS IMAGE PNG}: Segment by Name with objects through the plugin and its macro keys, the
 * windows side by side, and a screenshot.</li>
 * </ul>
 * {@code xvfb-run -a java -cp target/test-classes:target/classes:$(cat cp.txt) org.mvpseg.fiji.ObjectsSession rois
 * 10000}
 */
public final class ObjectsSession {

	private ObjectsSession() {}

	public static void main(String[] args) throws Exception {
		new ij.ImageJ();
		if (args[0].equals("rois")) rois(Integer.parseInt(args[1]));
		else screenshot(args[1], args[2], Path.of(args[3]));
		System.exit(0);
	}

	/** The longest time the event thread took to answer, polled every 5 ms while {@code body} runs. */
	static long[] timed(Runnable body) throws Exception {
		long[] worst = { 0 };
		boolean[] done = { false };
		Thread probe = new Thread(() -> {
			while (!done[0]) try {
				long t = System.nanoTime();
				EventQueue.invokeAndWait(() -> {});
				worst[0] = Math.max(worst[0], System.nanoTime() - t);
				Thread.sleep(5);
			}
			catch (Exception e) {
				return;
			}
		});
		probe.start();
		long t0 = System.nanoTime();
		body.run();
		EventQueue.invokeAndWait(() -> {}); // what the list still had to lay out or paint
		long total = System.nanoTime() - t0;
		done[0] = true;
		probe.join();
		return new long[] { total / 1_000_000, worst[0] / 1_000_000 };
	}

	static void rois(int n) throws Exception {
		int side = (int) Math.ceil(Math.sqrt(n)), w = side * 10;
		ByteProcessor labels = new ByteProcessor(w, w);
		for (int k = 0; k < n; k++) labels.setRoi(k % side * 10 + 2, k / side * 10 + 2, 6, 6);
		for (int k = 0; k < n; k++) {
			labels.setRoi(k % side * 10 + 2, k / side * 10 + 2, 6, 6);
			labels.setValue(1);
			labels.fill();
		}
		ImagePlus imp = new ImagePlus("grid", labels.duplicate());
		imp.show();
		float[][] prob = new float[2][w * w];
		java.util.Arrays.fill(prob[1], 0.9f);
		ObjectOutputs o = new ObjectOutputs(imp, List.of("background", "cell"), org.mvpseg.objects.ObjectOptions.parse(
			"cell", "8", "0"), false);
		long t0 = System.nanoTime();
		o.addPlane(1, 1, labels, prob, true);
		long traced = (System.nanoTime() - t0) / 1_000_000;
		RoiManager rm = new RoiManager();
		rm.setVisible(true);
		long[] batch = timed(() -> o.addRois(rm));
		int added = rm.getCount();
		Roi[] copies = rm.getRoisAsArray();
		rm.reset();
		long[] single = timed(() -> {
			for (Roi r : copies) rm.addRoi(r);
		});
		System.out.printf(Locale.ROOT, "%d objects: traced in %d ms; added in one batch (list hidden): %d ms, event "
			+ "thread's longest wait %d ms; one by one with addRoi: %d ms, longest wait %d ms (%d ROIs)%n", o.count(),
			traced, batch[0], batch[1], single[0], single[1], added);
	}

	static void screenshot(String weights, String image, Path png) throws Exception {
		ImagePlus imp = IJ.openImage(image);
		imp.show();
		WindowManager.setTempCurrentImage(imp);
		RoiManager rm = RoiManager.getRoiManager();
		Thread.currentThread().setName("Run$_segment");
		Macro.setOptions("classes=[nucleus, cytoplasm, background] weights=[" + weights + "] template=[a microscopy "
			+ "image of {}.] add_rois objects=[nucleus, cytoplasm] min_size=20 window=32 stride=16");
		new MvpSegPlugin().run("segment");
		Macro.setOptions(null);
		ImagePlus objects = WindowManager.getImage(imp.getShortTitle() + "-objects");
		rm.select(imp, Math.min(3, rm.getCount() - 1));
		rm.runCommand("Show All with labels");
		EventQueue.invokeAndWait(() -> place(imp, objects, rm));
		Thread.sleep(1500);
		java.awt.Dimension screen = java.awt.Toolkit.getDefaultToolkit().getScreenSize();
		javax.imageio.ImageIO.write(new Robot().createScreenCapture(new Rectangle(Math.min(screen.width, 1400), Math
			.min(screen.height, 900))), "png", png.toFile());
		System.out.println("objects: " + rm.getCount() + " ROIs; screenshot " + png);
	}

	/** Side by side (Xvfb has no window manager): the image with its ROIs, the object image, the manager, the table. */
	private static void place(ImagePlus imp, ImagePlus objects, RoiManager rm) {
		IJ.getInstance().setLocation(0, 0);
		imp.getWindow().setLocation(0, 110);
		if (objects != null) objects.getWindow().setLocation(imp.getWindow().getWidth() + 5, 110);
		rm.setBounds(0, 110 + imp.getWindow().getHeight() + 5, 380, 330);
		Window table = WindowManager.getWindow(FijiSegmentation.OBJECTS_TABLE);
		if (table != null) table.setBounds(rm.getWidth() + 5, 110 + imp.getWindow().getHeight() + 5, 900, 330);
	}
}
