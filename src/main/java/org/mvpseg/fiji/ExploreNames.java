package org.mvpseg.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.mvpseg.io.LabelColors;
import org.mvpseg.pipeline.Prepared;
import org.mvpseg.runtime.Progress;

import java.awt.Button;
import java.awt.Checkbox;
import java.awt.Choice;
import java.awt.Color;
import java.awt.EventQueue;
import java.awt.Font;
import java.awt.Frame;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.awt.Label;
import java.awt.Panel;
import java.awt.TextField;
import java.awt.event.KeyAdapter;
import java.awt.event.KeyEvent;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Explore Names window (docs/features.md › Explore Names): names typed, Enter, the image re-segmented from its
 * kept features — labels drawn over the image with a legend, one class's probability in a preview image. The first
 * run on a plane encodes it (progress here; Esc or Cancel stops it, nothing is shown); a stack's other planes are
 * encoded when visited. "Create outputs" runs Segment by Name with the window's values — the same outputs and
 * provenance — and records its one-line macro. The image itself is never changed: only its overlay gains (and on
 * closing loses) this window's elements.
 */
final class ExploreNames extends Frame {

	static final String OVERLAY = "mvpseg-explore";

	private final ImagePlus imp;
	private final ExploreNamesCommand base; // the fixed choices: model, weights, dense features, windows, device
	private final TextField classes, template, prompts, student;
	private final Checkbox pamr, keySmoothing, denoise, labelsShown;
	private final Choice probabilityOf = new Choice(), opacity = new Choice();
	private final Label status = new Label("Type class names and press Enter.");
	private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
		Thread t = new Thread(r, "MVP-SEG Explore Names");
		t.setDaemon(true);
		return t;
	});
	private final javax.swing.Timer planeWatch;
	private volatile boolean cancelled;
	private Shown shown; // what the overlay and preview show now
	private ImagePlus preview;
	private boolean hadWindow;

	/** What the last finished run gave, for the overlay, the preview and "Create outputs". */
	private record Shown(int z, int t, List<String> classes, ImageProcessor labels, float[][] probabilities) {}

	ExploreNames(ImagePlus imp, ExploreNamesCommand base) {
		super("MVP-SEG: Explore Names — " + imp.getTitle());
		this.imp = imp;
		this.base = base;
		classes = new TextField(base.classes, 48);
		template = new TextField(base.template == null ? "" : base.template, 48);
		prompts = new TextField(base.prompts == null ? "" : base.prompts, 48);
		student = new TextField(base.student == null ? "" : base.student, 48);
		pamr = new Checkbox("PAMR", base.pamr);
		keySmoothing = new Checkbox("Key smoothing (1.0)", base.key_smoothing > 0);
		denoise = new Checkbox("Prompt denoising (0.5)", base.denoise > 0);
		labelsShown = new Checkbox("Labels over the image", true);
		layoutWindow();
		planeWatch = new javax.swing.Timer(400, e -> planeChanged());
	}

	private void layoutWindow() {
		Panel p = new Panel(new GridBagLayout());
		GridBagConstraints c = new GridBagConstraints();
		c.gridy = 0;
		c.insets = new Insets(3, 6, 3, 6);
		c.anchor = GridBagConstraints.WEST;
		row(p, c, "Class names (Enter segments):", classes);
		row(p, c, "Template (empty = 85 built-in):", template);
		row(p, c, "Prompt set (optional):", prompts);
		row(p, c, "MVP-SEG+ student (optional):", student);
		Panel boxes = new Panel();
		for (Checkbox b : new Checkbox[] { pamr, keySmoothing, denoise, labelsShown }) boxes.add(b);
		row(p, c, "Refinements, display:", boxes);
		for (String o : new String[] { "40 %", "70 %", "100 %" }) opacity.add(o);
		row(p, c, "Overlay opacity:", opacity);
		probabilityOf.add("(segment first)");
		row(p, c, "Probability preview of:", probabilityOf);
		Panel buttons = new Panel();
		Button segment = new Button("Segment"), create = new Button("Create outputs"), cancel = new Button("Cancel");
		segment.addActionListener(e -> segment());
		create.addActionListener(e -> createOutputs());
		cancel.addActionListener(e -> cancel());
		buttons.add(segment);
		buttons.add(create);
		buttons.add(cancel);
		row(p, c, "", buttons);
		status.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
		c.gridx = 0;
		c.gridy++;
		c.gridwidth = 2;
		c.fill = GridBagConstraints.HORIZONTAL;
		p.add(status, c);
		add(p);
		classes.addActionListener(e -> segment());
		template.addActionListener(e -> segment());
		prompts.addActionListener(e -> segment());
		student.addActionListener(e -> segment());
		probabilityOf.addItemListener(e -> showPreview());
		labelsShown.addItemListener(e -> showOverlay());
		opacity.addItemListener(e -> showOverlay());
		KeyAdapter esc = new KeyAdapter() {
			@Override
			public void keyPressed(KeyEvent e) {
				if (e.getKeyCode() == KeyEvent.VK_ESCAPE) cancel();
			}
		};
		for (java.awt.Component k : new java.awt.Component[] { this, classes, template, prompts, student }) k
			.addKeyListener(esc);
		addWindowListener(new WindowAdapter() {
			@Override
			public void windowClosing(WindowEvent e) {
				close();
			}
		});
		pack();
	}

	private static void row(Panel p, GridBagConstraints c, String label, java.awt.Component field) {
		c.gridx = 0;
		c.gridwidth = 1;
		c.fill = GridBagConstraints.NONE;
		p.add(new Label(label), c);
		c.gridx = 1;
		c.fill = GridBagConstraints.HORIZONTAL;
		p.add(field, c);
		c.gridy++;
	}

	/** Shows the window beside the image and starts with the names the dialog gave. */
	void start() {
		java.awt.Window w = imp.getWindow();
		if (w != null) setLocation(w.getX() + w.getWidth() + 10, w.getY());
		hadWindow = w != null;
		setVisible(true);
		planeWatch.start();
		if (!classes.getText().isBlank()) segment();
	}

	/** A Segment by Name command holding the fixed choices and the window's values. */
	SegmentByNameCommand command() {
		SegmentByNameCommand cmd = new SegmentByNameCommand();
		for (Class<?> k = WindowedCommand.class; k != Object.class; k = k.getSuperclass())
			for (Field f : k.getDeclaredFields()) copy(f, cmd);
		cmd.input = imp;
		cmd.classes = classes.getText();
		cmd.template = template.getText();
		cmd.prompts = prompts.getText();
		cmd.student = student.getText();
		cmd.channels = base.channels;
		cmd.pamr = pamr.getState();
		cmd.key_smoothing = keySmoothing.getState() ? (base.key_smoothing > 0 ? base.key_smoothing : 1.0) : 0;
		cmd.denoise = denoise.getState() ? (base.denoise > 0 ? base.denoise : 0.5) : 0;
		cmd.planes = "Current plane";
		return cmd;
	}

	private void copy(Field f, SegmentByNameCommand cmd) {
		if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || !java.lang.reflect.Modifier.isPublic(f
			.getModifiers())) return;
		try {
			f.set(cmd, f.get(base));
		}
		catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Segments the current plane with the window's values; a run still going is stopped first. */
	void segment() {
		SegmentByNameCommand cmd = command();
		int z = imp.getZ(), t = imp.getT();
		cancelled = true; // the run before this one, if any, stops at its next window
		worker.submit(() -> run(cmd, z, t));
	}

	private void run(SegmentByNameCommand cmd, int z, int t) {
		cancelled = false;
		long t0 = System.nanoTime();
		Progress progress = progress();
		try (Prepared p = FijiSegmentation.prepare(cmd.options(), progress)) {
			FijiSegmentation.Plane plane = FijiSegmentation.segmentPlane(p, imp, z, t, p.classNames().size() > 255,
				progress);
			double seconds = (System.nanoTime() - t0) / 1e9;
			var f = plane.features();
			String how = f.computed() == 0 ? "image side from memory (" + f.reused() + " windows)" : "image encoded ("
				+ f.computed() + " windows), kept for the next names";
			Shown s = new Shown(z, t, p.classNames(), plane.labels(), plane.probabilities());
			EventQueue.invokeLater(() -> show(s, String.format(Locale.ROOT, "%d classes in %.2f s — %s. Enter "
				+ "segments again; Create outputs makes the results.", s.classes().size(), seconds, how)));
		}
		catch (CancellationException e) {
			EventQueue.invokeLater(() -> status.setText("Cancelled: nothing shown. Press Enter to segment."));
		}
		catch (Exception | OutOfMemoryError e) {
			String msg = Errors.message(e);
			EventQueue.invokeLater(() -> status.setText(msg));
		}
	}

	/** Progress in the window's status line; Esc or Cancel stops the run between batches of windows. */
	private Progress progress() {
		return new Progress() {
			@Override
			public void update(String what, long done, long total) {
				String line = "MVP-SEG: " + what + (total > 0 ? " " + done + " of " + total : "") + " (Esc or Cancel "
					+ "stops)";
				EventQueue.invokeLater(() -> status.setText(line));
				if (total > 0) IJ.showProgress((double) done / total);
			}

			@Override
			public boolean isCancelled() {
				return cancelled;
			}
		};
	}

	void cancel() {
		cancelled = true;
	}

	private void show(Shown s, String line) {
		shown = s;
		String keep = probabilityOf.getItemCount() > 0 ? probabilityOf.getSelectedItem() : null;
		probabilityOf.removeAll();
		for (String c : s.classes()) probabilityOf.add(c);
		if (keep != null && s.classes().contains(keep)) probabilityOf.select(keep);
		showOverlay();
		showPreview();
		status.setText(line);
		IJ.showProgress(1.0);
	}

	/** The labels in class colours over the image (40 % opaque unless chosen otherwise) and a legend of the names. */
	private void showOverlay() {
		Overlay o = imp.getOverlay() == null ? new Overlay() : imp.getOverlay();
		for (Roi r : o.toArray()) if (r.getName() != null && r.getName().startsWith(OVERLAY)) o.remove(r);
		if (shown != null && shown.labels() != null && labelsShown.getState()) {
			ImageProcessor l = shown.labels();
			int[] rgb = new int[l.getPixelCount()];
			for (int i = 0; i < rgb.length; i++) rgb[i] = LabelColors.color(l.get(i));
			ImageRoi colours = new ImageRoi(0, 0, new ColorProcessor(l.getWidth(), l.getHeight(), rgb));
			colours.setOpacity(Integer.parseInt(opacity.getSelectedItem().replace(" %", "")) / 100.0);
			colours.setName(OVERLAY);
			o.add(colours);
			legend(o, shown.classes());
		}
		imp.setOverlay(o.size() == 0 ? null : o);
	}

	/** A legend in the top-left corner: each class's colour and name, white on a dark box (readable on any image). */
	private void legend(Overlay o, List<String> names) {
		int size = Math.max(12, Math.min(imp.getWidth(), imp.getHeight()) / 32), line = size + 6;
		Font font = new Font(Font.SANS_SERIF, Font.BOLD, size);
		ColorProcessor probe = new ColorProcessor(1, 1);
		probe.setFont(font);
		int width = 0;
		for (String n : names) width = Math.max(width, probe.getStringWidth(n));
		ColorProcessor box = new ColorProcessor(width + line + 12, names.size() * line + 8);
		box.setColor(new Color(20, 20, 20));
		box.fill();
		box.setFont(font);
		box.setAntialiasedText(true);
		for (int c = 0; c < names.size(); c++) {
			box.setColor(new Color(LabelColors.color(c)));
			box.fillRect(6, 4 + c * line + 3, size, size);
			box.setColor(Color.WHITE);
			box.drawString(names.get(c), 12 + size, 4 + (c + 1) * line - 3);
		}
		ImageRoi legend = new ImageRoi(4, 4, box);
		legend.setOpacity(0.85);
		legend.setName(OVERLAY + "-legend");
		o.add(legend);
	}

	/** The chosen class's probability, 0 to 1 with the Fire LUT, in one preview image updated in place. */
	private void showPreview() {
		if (shown == null || shown.labels() == null || probabilityOf.getSelectedItem() == null) return;
		int c = shown.classes().indexOf(probabilityOf.getSelectedItem());
		if (c < 0) return;
		ImageProcessor l = shown.labels();
		FloatProcessor fp = new FloatProcessor(l.getWidth(), l.getHeight(), shown.probabilities()[c]);
		fp.setMinAndMax(0, 1);
		String title = imp.getTitle() + " — MVP-SEG preview";
		fp.setColorModel(ij.plugin.LutLoader.getLut("fire"));
		fp.setMinAndMax(0, 1);
		if (preview == null || preview.getWindow() == null) {
			preview = new ImagePlus(title, fp);
			preview.show();
		}
		else preview.setProcessor(fp);
		preview.setProperty("Label", shown.classes().get(c));
		preview.getWindow().setTitle(title + ": P(" + shown.classes().get(c) + ")");
		preview.updateAndDraw();
	}

	/** Another plane of a stack is shown: segment it (encoded when first visited). */
	private void planeChanged() {
		if (hadWindow && imp.getWindow() == null) { // the image was closed: so is its explorer
			close();
			return;
		}
		if (shown != null && (imp.getZ() != shown.z() || imp.getT() != shown.t()) && !classes.getText().isBlank()) {
			shown = new Shown(imp.getZ(), imp.getT(), shown.classes(), null, null); // once per plane change; nothing
			showOverlay(); // drawn until the new plane's labels come
			segment();
		}
	}

	/** Runs Segment by Name with the window's values (its features from memory) and records its macro line. */
	void createOutputs() {
		SegmentByNameCommand cmd = command();
		String line = macroLine(cmd);
		status.setText("MVP-SEG: creating the outputs…");
		worker.submit(() -> {
			Errors.clear();
			cmd.run();
			String error = Errors.lastError();
			EventQueue.invokeLater(() -> {
				if (!error.isEmpty()) {
					status.setText(error);
					return;
				}
				Ij1Bridge.showOutputs(cmd);
				if (ij.plugin.frame.Recorder.record) ij.plugin.frame.Recorder.recordString(line + "\n");
				status.setText("Outputs created; the Recorder has: " + line);
			});
		});
	}

	/** {@code run("Segment by Name...", "key=[value] … box …");} with every key of the command's dialog. */
	static String macroLine(SegmentByNameCommand cmd) {
		StringBuilder sb = new StringBuilder();
		for (Field f : Ij1Bridge.inputs(SegmentByNameCommand.class)) {
			Object v;
			try {
				v = f.get(cmd);
			}
			catch (IllegalAccessException e) {
				throw new IllegalStateException(e);
			}
			if (f.getType() == ImagePlus.class) continue;
			if (f.getType() == boolean.class) {
				if ((Boolean) v) sb.append(' ').append(f.getName());
			}
			else sb.append(' ').append(f.getName()).append('=').append(f.getType() == String.class ? "[" + (v == null ? ""
				: v) + "]" : v instanceof Double d && d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(v));
		}
		return "run(\"Segment by Name...\", \"" + sb.toString().trim().replace("\"", "\\\"") + "\");";
	}

	void close() {
		cancelled = true;
		planeWatch.stop();
		worker.shutdown();
		shown = null;
		showOverlay(); // the image as it was
		dispose();
	}
}
