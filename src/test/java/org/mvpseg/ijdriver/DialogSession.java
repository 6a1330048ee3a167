package org.mvpseg.ijdriver;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.measure.ResultsTable;
import ij.plugin.frame.Recorder;
import ij.plugin.frame.RoiManager;
import ij.process.ByteProcessor;

import java.awt.Button;
import java.awt.Component;
import java.awt.Label;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.TextField;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.event.KeyEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user at a real ImageJ 1.x window (started by {@code RealImageJDialogTest} under Xvfb): opens Segment by
 * Name's dialog, reads it, types into it, presses OK with the Recorder on, opens the dialog again, runs a macro,
 * and presses Esc during a long run. Only ImageJ's API is used here (the plugin comes from ImageJ's plugins
 * folder, as installed); findings go to {@code args[0]} as key=value lines for the test to check.
 * Arguments: result file, image, weights file, screenshot file.
 */
public final class DialogSession {

	private static final Map<String, String> FOUND = new LinkedHashMap<>();

	public static void main(String[] args) {
		Sessions.run(FOUND, Path.of(args[0]), () -> session(args[1], args[2], Path.of(args[3])));
	}

	private static void session(String image, String weights, Path screenshot) throws Exception {
		new ImageJ();
		ImagePlus imp = IJ.openImage(image);
		imp.show();
		IJ.run("Record...");
		// 1. the dialog as a user first meets it
		IJ.doCommand("Segment by Name..."); // as the menu runs it: in its own thread, recorded
		GenericDialog gd = waitForDialog("MVP-SEG: Segment by Name");
		List<Component> all = Sessions.components(gd);
		FOUND.put("hint.classes", String.valueOf(labels(all).stream().anyMatch(s -> s.startsWith(
			"classes: Class names (comma-separated; label value 0 = the first name)"))));
		FOUND.put("browse.buttons", String.valueOf(all.stream().filter(c -> c instanceof Button b && b.getLabel()
			.startsWith("Browse")).count()));
		FOUND.put("help.button", String.valueOf(all.stream().anyMatch(c -> c instanceof Button b && b.getLabel()
			.equals("Help"))));
		FOUND.put("main.inputs", String.valueOf(all.stream().filter(c -> c instanceof TextField
			|| c instanceof java.awt.Choice || c instanceof java.awt.Checkbox).count()));
		field(all, "classes").setText("cell, background");
		Thread.sleep(500);
		Rectangle r = gd.getBounds();
		javax.imageio.ImageIO.write(new Robot().createScreenCapture(r), "png", screenshot.toFile());
		advanced(all, screenshot, a -> {
			field(a, "weights").setText(weights);
			field(a, "window").setText("160");
		});
		press(all, "OK");
		String recorded = "";
		for (long t0 = System.currentTimeMillis(); System.currentTimeMillis() - t0 < 60_000 && !recorded.contains(
			"Segment by Name"); Thread.sleep(50))
			recorded = Recorder.getInstance() == null ? "" : Recorder.getInstance().getText();
		Thread.sleep(1000); // the output windows settle
		arrange(imp);
		java.awt.Dimension screen = java.awt.Toolkit.getDefaultToolkit().getScreenSize();
		javax.imageio.ImageIO.write(new Robot().createScreenCapture(new Rectangle(screen)), "png", Path.of(screenshot
			.toString().replace(".png", "-outputs.png")).toFile());
		ResultsTable rt = ResultsTable.getResultsTable("MVP-SEG Results");
		FOUND.put("table.image", rt == null || !rt.columnExists("Image") ? "" : rt.getStringValue("Image", 0));
		FOUND.put("table.window.dialog", rt == null ? "" : String.valueOf((int) rt.getValue("Window", 0)));
		FOUND.put("recorded", recorded.lines().filter(l -> l.contains("Segment by Name")).findFirst().orElse(""));
		// 2. the dialog again: the values confirmed last time come back
		Thread run = start(() -> IJ.run("Segment by Name..."));
		gd = waitForDialog("MVP-SEG: Segment by Name");
		all = Sessions.components(gd);
		FOUND.put("remembered.classes", field(all, "classes").getText());
		List<Component> main = all;
		advanced(main, null, a -> FOUND.put("remembered.window", field(a, "window").getText()));
		press(main, "Cancel");
		run.join(10_000);
		RoiManager rm = RoiManager.getInstance();
		int rois = rm == null ? 0 : rm.getCount();
		FOUND.put("roi.name", rois == 0 ? "" : rm.getRoi(0).getName());
		// 3. a macro leaves window out: it gets the default, not the remembered 160
		IJ.runMacro("selectImage(\"cell.png\"); run(\"Segment by Name...\", \"classes=[cell, background] weights=[" + weights
			+ "] show_table add_rois\");");
		rt = ResultsTable.getResultsTable("MVP-SEG Results");
		FOUND.put("table.window.macro", rt == null ? "" : String.valueOf((int) rt.getValue("Window", 0)));
		FOUND.put("rois.first", String.valueOf(rois));
		FOUND.put("rois.second", String.valueOf(rm == null ? 0 : rm.getCount()));
		IJ.runMacro("selectImage(\"cell.png\"); run(\"Segment by Name...\", \"classes=[cell, background] weights=[" + weights
			+ "] add_rois replace_rois\");");
		FOUND.put("rois.replaced", String.valueOf(rm == null ? 0 : rm.getCount()));
		trainDialog();
		escape(weights);
		errorDialog();
	}

	/** 5. An error after OK in a dialog: ImageJ's error dialog, titled MVP-SEG (the message also goes to the Log). */
	private static void errorDialog() throws Exception {
		IJ.selectWindow("cell.png");
		IJ.doCommand("Segment by Name...");
		GenericDialog gd = waitForDialog("MVP-SEG: Segment by Name");
		List<Component> all = Sessions.components(gd);
		advanced(all, null, a -> field(a, "weights").setText("/nonexistent/clip.pt"));
		press(all, "OK");
		for (int i = 0; i < 3000 && !FOUND.containsKey("error.dialog"); i++) {
			for (Window w : Window.getWindows())
				if (w instanceof ij.gui.MessageDialog m && m.isShowing() && "MVP-SEG".equals(m.getTitle())) {
					FOUND.put("error.dialog", "shown");
					m.dispose();
				}
			Thread.sleep(10);
		}
		FOUND.put("error.log", String.valueOf(IJ.getLog().contains("file not found: /nonexistent/clip.pt")));
	}

	/** Places the windows side by side for the walkthrough screenshot (Xvfb has no window manager). */
	private static void arrange(ImagePlus imp) throws Exception {
		String[] images = { imp.getTitle(), "cell-labels", "cell-probabilities" };
		for (int i = 0; i < images.length; i++) {
			ImagePlus w = ij.WindowManager.getImage(images[i]);
			if (w != null && w.getWindow() != null) w.getWindow().setLocation(10 + 530 * i, 100);
		}
		RoiManager rm = RoiManager.getInstance();
		if (rm != null) {
			rm.runCommand(imp, "Show All with labels");
			rm.setLocation(1080, 800);
		}
		String[] text = { "MVP-SEG Results", "Log", "Recorder" };
		for (int i = 0; i < text.length; i++) {
			Window w = ij.WindowManager.getWindow(text[i]);
			if (w != null) w.setBounds(10 + 540 * i - (i == 2 ? 540 : 0), i == 2 ? 1060 : 800, i == 2 ? 1060 : 530,
				i == 2 ? 130 : 250);
		}
		Thread.sleep(1000);
	}

	/** Train Prompts names images: its image fields list the open images. */
	private static void trainDialog() throws Exception {
		Thread run = start(() -> IJ.run("Train Prompts..."));
		GenericDialog gd = waitForDialog("MVP-SEG: Train Prompts");
		List<Component> all = Sessions.components(gd);
		for (int i = 0; i < all.size(); i++)
			if (all.get(i) instanceof Label l && l.getText().startsWith("label title:"))
				for (int j = i + 1; j < all.size(); j++)
					if (all.get(j) instanceof java.awt.Choice c) {
						List<String> items = new ArrayList<>();
						for (int k = 0; k < c.getItemCount(); k++) items.add(c.getItem(k));
						FOUND.put("train.label.choices", String.join("|", items));
						break;
					}
		press(all, "Cancel");
		run.join(10_000);
	}

	/** 4. A long run shows MVP-SEG's progress in ImageJ's status bar, and Esc stops it without an output. */
	private static void escape(String weights) throws Exception {
		ImagePlus big = new ImagePlus("big", new ByteProcessor(4000, 4000));
		big.getProcessor().noise(40);
		big.show();
		int before = ij.WindowManager.getImageCount();
		Thread run = start(() -> IJ.run(big, "Segment by Name...", "classes=[a, b] weights=[" + weights + "] "
			+ "show_labels on_error=continue"));
		String status = "";
		long t0 = System.currentTimeMillis();
		while (System.currentTimeMillis() - t0 < 60_000 && !status.contains("Esc cancels")) {
			status = ImageJ.getStatusBarText();
			Thread.sleep(5);
		}
		FOUND.put("status", status);
		IJ.setKeyDown(KeyEvent.VK_ESCAPE); // what ImageJ's window does when Esc is pressed
		run.join(60_000);
		FOUND.put("escape.stopped", String.valueOf(!run.isAlive()));
		FOUND.put("escape.new.images", String.valueOf(ij.WindowManager.getImageCount() - before));
		FOUND.put("log.cancelled", String.valueOf(IJ.getLog() != null && IJ.getLog().contains("cancelled")));
	}

	/**
	 * Presses the main dialog's Advanced... button (its dialog is modal: pressed from another thread), lets {@code
	 * edit} fill the advanced dialog, optionally saves a screenshot of it beside {@code screenshot}, and presses OK.
	 */
	private static void advanced(List<Component> main, Path screenshot, java.util.function.Consumer<List<Component>> edit)
		throws Exception
	{
		Thread pressing = start(() -> press(main, "Advanced..."));
		GenericDialog gd = waitForDialog("MVP-SEG: Segment by Name (advanced)");
		List<Component> all = Sessions.components(gd);
		FOUND.put("advanced.inputs", String.valueOf(all.stream().filter(c -> c instanceof TextField
			|| c instanceof java.awt.Choice || c instanceof java.awt.Checkbox).count()));
		edit.accept(all);
		if (screenshot != null) {
			Thread.sleep(500);
			javax.imageio.ImageIO.write(new Robot().createScreenCapture(gd.getBounds()), "png", Path.of(screenshot
				.toString().replace(".png", "-advanced.png")).toFile());
		}
		press(all, "OK");
		pressing.join(10_000);
	}

	private static Thread start(Runnable r) {
		Thread t = new Thread(r, "Run$_user");
		t.start();
		return t;
	}

	private static GenericDialog waitForDialog(String title) throws InterruptedException {
		for (int i = 0; i < 3000; i++) {
			for (Window w : Window.getWindows())
				if (w instanceof GenericDialog gd && gd.isShowing() && title.equals(gd.getTitle())) return gd;
			Thread.sleep(10);
		}
		throw new IllegalStateException("no dialog \"" + title + "\" appeared");
	}


	private static List<String> labels(List<Component> all) {
		List<String> out = new ArrayList<>();
		for (Component c : all) if (c instanceof Label l) out.add(l.getText());
		return out;
	}

	/** The text field after the label that starts with a key (ImageJ shows "_" as a space). */
	private static TextField field(List<Component> all, String key) {
		String shown = key.replace('_', ' ') + ":";
		for (int i = 0; i < all.size(); i++)
			if (all.get(i) instanceof Label l && l.getText().strip().startsWith(shown))
				for (int j = i + 1; j < all.size(); j++) if (all.get(j) instanceof TextField t) return t;
		throw new IllegalStateException("no field " + key);
	}

	private static void press(List<Component> all, String label) {
		for (Component c : all)
			if (c instanceof Button b && b.getLabel().strip().equals(label)) {
				b.dispatchEvent(new ActionEvent(b, ActionEvent.ACTION_PERFORMED, label));
				return;
			}
		throw new IllegalStateException("no button " + label);
	}

}
