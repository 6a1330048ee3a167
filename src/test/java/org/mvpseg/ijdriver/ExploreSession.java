package org.mvpseg.ijdriver;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.plugin.frame.Recorder;

import java.awt.Button;
import java.awt.Checkbox;
import java.awt.Component;
import java.awt.Frame;
import java.awt.Label;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.TextField;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.event.ItemEvent;
import java.awt.event.KeyEvent;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drives Explore Names in a real ImageJ under Xvfb, as a user would, and writes what it found (key=value lines) for
 * {@code RealImageJTest}: opened from the menu, the first names encode the image, other names come from memory, the
 * overlay and preview show them, Create outputs makes Segment by Name's outputs and records its line, Esc stops an
 * encoding, closing the image releases its features. Screenshots go to the given folder.
 */
public final class ExploreSession {

	private static final Map<String, String> FOUND = new LinkedHashMap<>();

	public static void main(String[] args) {
		Sessions.run(FOUND, Path.of(args[0]), () -> session(args[1], args[2], Path.of(args[3]), args.length > 4 ? args[4]
			: "cell, background", args.length > 5 ? args[5] : "nucleus, membrane, background, debris"));
	}

	private static void session(String image, String weights, Path shots, String first, String second)
		throws Exception
	{
		new ImageJ();
		ImagePlus imp = IJ.openImage(image);
		imp.show();
		imp.getWindow().setLocation(10, 100);
		IJ.run("Record...");
		Thread open = new Thread(() -> IJ.run(imp, "Explore Names...", "classes=[" + first + "] weights=[" + weights
			+ "] template=[a photo of {}.]"), "Run$_explore");
		open.start();
		Frame f = waitForFrame("MVP-SEG: Explore Names — " + imp.getTitle());
		List<Component> all = Sessions.components(f);
		Label status = statusLabel(all);
		FOUND.put("first.status", waitFor(status, first.split(",").length + " classes in"));
		FOUND.put("overlay.elements", String.valueOf(count(imp, "mvpseg-explore")));
		FOUND.put("preview", String.valueOf(WindowManager.getImage(imp.getTitle() + " — MVP-SEG preview") != null));
		TextField classes = field(all, 0);
		classes.setText(second);
		classes.dispatchEvent(new ActionEvent(classes, ActionEvent.ACTION_PERFORMED, "")); // Enter
		FOUND.put("second.status", waitFor(status, second.split(",").length + " classes in"));
		FOUND.put("legend", String.valueOf(count(imp, "mvpseg-explore-legend")));
		FOUND.put("classes.choice", String.valueOf(choiceItems(all)));
		arrange(imp, f);
		screenshot(shots.resolve("screenshot-explore.png"));
		press(all, "Create outputs");
		FOUND.put("create.status", waitFor(status, "Outputs created"));
		ImagePlus labels = WindowManager.getImage(imp.getTitle().replaceAll("\\.[^.]*$", "") + "-labels");
		String rec = Recorder.getInstance() == null ? "" : Recorder.getInstance().getText();
		String line = rec.lines().filter(l -> l.contains("Segment by Name")).reduce((a, b) -> b).orElse("");
		FOUND.put("recorded", line);
		if (labels != null) {
			byte[] fromExplore = ((byte[]) labels.getProcessor().getPixels()).clone();
			labels.close();
			IJ.selectWindow(imp.getTitle());
			IJ.runMacro(line);
			ImagePlus replayed = WindowManager.getImage(imp.getTitle().replaceAll("\\.[^.]*$", "") + "-labels");
			FOUND.put("replayed.equal", String.valueOf(replayed != null && java.util.Arrays.equals(fromExplore,
				(byte[]) replayed.getProcessor().getPixels())));
		}
		FOUND.put("features.held", features());
		escape(all, status);
		imp.changes = false;
		imp.close();
		Thread.sleep(1000);
		FOUND.put("features.after.close", features());
		FOUND.put("explorer.closed", String.valueOf(!f.isShowing()));
		stack(image, weights);
	}

	/** A stack: the current plane is segmented; moving to another plane segments that one, encoded when visited. */
	private static void stack(String image, String weights) throws Exception {
		ImagePlus one = IJ.openImage(image);
		ij.ImageStack st = new ij.ImageStack(one.getWidth(), one.getHeight());
		st.addSlice(one.getProcessor().duplicate());
		st.addSlice(one.getProcessor().duplicate().resize(one.getWidth(), one.getHeight()));
		ImagePlus stack = new ImagePlus("stack", st);
		stack.show();
		new Thread(() -> IJ.run(stack, "Explore Names...", "classes=[a, b] weights=[" + weights + "] template=[{}]"),
			"Run$_explore2").start();
		Frame f = waitForFrame("MVP-SEG: Explore Names — stack");
		Label status = statusLabel(Sessions.components(f));
		FOUND.put("stack.first", waitFor(status, "image encoded"));
		status.setText("");
		stack.setSlice(2); // the explorer watches the plane
		FOUND.put("stack.second", waitFor(status, "image encoded"));
		FOUND.put("stack.held", features());
		f.dispose();
	}

	/** Key smoothing needs keys the kept features lack: an encoding starts, and Esc stops it. */
	private static void escape(List<Component> all, Label status) throws Exception {
		ImagePlus imp = WindowManager.getCurrentImage();
		for (Component c : all)
			if (c instanceof Checkbox b && b.getLabel().startsWith("Key smoothing")) {
				b.setState(true);
			}
		TextField classes = field(all, 0);
		classes.setText("cell, background, noise");
		classes.dispatchEvent(new ActionEvent(classes, ActionEvent.ACTION_PERFORMED, ""));
		waitFor(status, "Esc or Cancel");
		classes.dispatchEvent(new KeyEvent(classes, KeyEvent.KEY_PRESSED, System.currentTimeMillis(), 0,
			KeyEvent.VK_ESCAPE, KeyEvent.CHAR_UNDEFINED));
		FOUND.put("escape.status", waitFor(status, "ancelled"));
	}

	/** The image features held by the plugin's model service (in the plugin class loader). */
	private static String features() throws Exception {
		Class<?> ms = Class.forName("org.mvpseg.pipeline.ModelService", true, IJ.getClassLoader());
		Object shared = ms.getMethod("shared").invoke(null);
		Object mem = ms.getMethod("features").invoke(shared);
		return String.valueOf(mem.getClass().getMethod("describe").invoke(mem));
	}

	private static int choiceItems(List<Component> all) {
		for (Component c : all) if (c instanceof java.awt.Choice ch && !ch.getItem(0).endsWith("%")) return ch
			.getItemCount(); // the preview's class choice, not the opacity's
		return -1;
	}

	private static int count(ImagePlus imp, String name) {
		if (imp.getOverlay() == null) return 0;
		int n = 0;
		for (Roi r : imp.getOverlay().toArray()) if (name.equals(r.getName())) n++;
		return n;
	}

	private static String waitFor(Label status, String text) throws InterruptedException {
		for (long t0 = System.currentTimeMillis(); System.currentTimeMillis() - t0 < 60_000; Thread.sleep(20))
			if (status.getText().contains(text)) return status.getText();
		return "timed out waiting for \"" + text + "\": " + status.getText();
	}

	private static void arrange(ImagePlus imp, Frame f) throws Exception {
		if (imp.getWidth() < 300) { // a small image (the toy world's) is shown at 200 %, its labels 70 % opaque
			IJ.run(imp, "Set... ", "zoom=200 x=" + imp.getWidth() / 2 + " y=" + imp.getHeight() / 2);
			for (Component c : Sessions.components(f)) if (c instanceof java.awt.Choice ch && ch.getItemCount() == 3 && ch.getItem(
				0).equals("40 %")) {
				ch.select("70 %");
				ch.dispatchEvent(new ItemEvent(ch, ItemEvent.ITEM_STATE_CHANGED, "70 %", ItemEvent.SELECTED));
			}
			Thread.sleep(500);
		}
		f.setLocation(imp.getWindow().getX() + imp.getWindow().getWidth() + 10, 100);
		ImagePlus preview = WindowManager.getImage(imp.getTitle() + " — MVP-SEG preview");
		if (preview != null) preview.getWindow().setLocation(f.getX(), f.getY() + f.getHeight() + 10);
		Thread.sleep(1000);
	}

	private static void screenshot(Path file) throws Exception {
		java.awt.Dimension screen = java.awt.Toolkit.getDefaultToolkit().getScreenSize();
		javax.imageio.ImageIO.write(new Robot().createScreenCapture(new Rectangle(0, 0, Math.min(screen.width, 1400),
			Math.min(screen.height, 800))), "png", file.toFile());
	}

	private static Frame waitForFrame(String title) throws InterruptedException {
		for (int i = 0; i < 3000; i++) {
			for (Window w : Window.getWindows()) if (w instanceof Frame fr && fr.isShowing() && title.equals(fr.getTitle()))
				return fr;
			Thread.sleep(10);
		}
		throw new IllegalStateException("no window \"" + title + "\" appeared");
	}

	private static Label statusLabel(List<Component> all) {
		Label last = null;
		for (Component c : all) if (c instanceof Label l) last = l;
		return last;
	}

	private static TextField field(List<Component> all, int k) {
		int i = 0;
		for (Component c : all) if (c instanceof TextField t && i++ == k) return t;
		throw new IllegalStateException("no text field " + k);
	}

	private static void press(List<Component> all, String label) {
		for (Component c : all)
			if (c instanceof Button b && b.getLabel().equals(label)) {
				b.dispatchEvent(new ActionEvent(b, ActionEvent.ACTION_PERFORMED, label));
				return;
			}
		throw new IllegalStateException("no button " + label);
	}


}
