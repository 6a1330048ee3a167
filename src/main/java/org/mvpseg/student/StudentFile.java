package org.mvpseg.student;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.mvpseg.clip.DenseMode;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.TrainedFile;
import org.mvpseg.clip.io.SafetensorsWriter;
import org.mvpseg.clip.io.WeightFormatException;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.mvp.Gpr;
import org.mvpseg.mvp.GprForm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained MVP-SEG+ student (docs/file-formats.md): safetensors with the ASPP head's tensors
 * ({@code aspp.D.conv.weight}, {@code aspp.D.conv.bias}, {@code aspp.D.norm.weight}, {@code aspp.D.norm.bias}
 * for each dilation D) and the fixed classifier {@code embeddings} [K, C, E]; with a teacher of learned prompts also
 * its GPR ({@code gpr.text} [C, E], p₀'s text features, and the metadata {@code gpr}: form, γ, τ₂, bias; version 2, so
 * that a reader without GPR refuses it instead of segmenting without); metadata: format, version, classes, unseen
 * classes, the weights' identity, the dense mode, the teacher, the training values and losses.
 */
public final class StudentFile {

	public static final String FORMAT = "mvp-seg-student";
	/** 1: no GPR; 2: the teacher's GPR beside the head (written only when there is one). */
	public static final int VERSION = 2;

	final StudentHead head;
	/** The fine-tuned last block ({@link org.mvpseg.clip.LastBlock#NAMES}), or null when the trunk stayed frozen. */
	final float[][] lastBlock;
	/** [K, C, E], normalised rows, fixed. */
	final float[] embeddings;
	final int views;
	/** The teacher's GPR over {@link #classes}, or null (a zero-shot teacher, or asked not to use it). */
	final Gpr gpr;
	final List<String> classes, unseen;
	final String backboneIdentity;
	final DenseMode denseMode;
	final String teacher;
	final JsonObject training, losses;

	StudentFile(StudentHead head, float[][] lastBlock, float[] embeddings, int views, Gpr gpr, List<String> classes,
		List<String> unseen, String backboneIdentity, DenseMode denseMode, String teacher, JsonObject training,
		JsonObject losses)
	{
		this.head = head;
		this.lastBlock = lastBlock;
		this.embeddings = embeddings;
		this.views = views;
		this.gpr = gpr;
		this.classes = List.copyOf(classes);
		this.unseen = List.copyOf(unseen);
		this.backboneIdentity = backboneIdentity;
		this.denseMode = denseMode;
		this.teacher = teacher;
		this.training = training;
		this.losses = losses;
	}

	public List<String> classes() {
		return classes;
	}

	public DenseMode denseMode() {
		return denseMode;
	}

	/** The fine-tuned last block, or null (the trunk as in the weights). */
	public float[][] lastBlock() {
		return lastBlock;
	}

	/** The teacher's GPR the student weighs its scores by, if it kept one. */
	public java.util.Optional<Gpr> gpr() {
		return java.util.Optional.ofNullable(gpr);
	}

	/** Refuses weights other than the ones the student was trained on (their tensors' identity). */
	public void checkBackbone(ModelResolver.Resolved weights) throws IOException {
		if (!backboneIdentity.equals(weights.identity())) throw new IllegalArgumentException("This student was trained "
			+ "on other weights (tensors SHA-256 " + backboneIdentity.substring(0, 12) + "…); the given weights have "
			+ weights.identity().substring(0, 12) + "…. Use the weights it was trained with, or train it again.");
	}

	public void save(Path file) throws IOException {
		Map<String, RawTensor> t = new LinkedHashMap<>();
		int e = head.width;
		for (int d = 0; d < StudentHead.DILATIONS.length; d++) {
			String p = "aspp." + StudentHead.DILATIONS[d] + ".";
			t.put(p + "conv.weight", SafetensorsWriter.f32(p + "conv.weight", head.params[4 * d], e, e, 3, 3));
			t.put(p + "conv.bias", SafetensorsWriter.f32(p + "conv.bias", head.params[4 * d + 1], e));
			t.put(p + "norm.weight", SafetensorsWriter.f32(p + "norm.weight", head.params[4 * d + 2], e));
			t.put(p + "norm.bias", SafetensorsWriter.f32(p + "norm.bias", head.params[4 * d + 3], e));
		}
		t.put("embeddings", SafetensorsWriter.f32("embeddings", embeddings, views, classes.size(), e));
		if (lastBlock != null) for (int i = 0; i < lastBlock.length; i++) {
			String n = "last_block." + org.mvpseg.clip.LastBlock.NAMES.get(i);
			t.put(n, SafetensorsWriter.f32(n, lastBlock[i], lastBlock[i].length));
		}
		Map<String, String> meta = new LinkedHashMap<>();
		meta.put("format", FORMAT);
		meta.put("version", gpr == null ? "1" : Integer.toString(VERSION));
		if (gpr != null) {
			t.put("gpr.text", SafetensorsWriter.f32("gpr.text", gpr.text(), classes.size(), gpr.width()));
			meta.put("gpr", gprJson(gpr).toString());
		}
		meta.put("classes", new Gson().toJson(classes));
		meta.put("unseen_classes", new Gson().toJson(unseen));
		meta.put("backbone_identity", backboneIdentity);
		meta.put("dense_mode", denseMode.label());
		meta.put("teacher", teacher);
		meta.put("training", training.toString());
		meta.put("losses", losses.toString());
		SafetensorsWriter.write(file, t, meta); // atomic: a temporary renamed into place
	}

	/**
	 * Reads a student, refusing a damaged one: the head's tensors of the width the embeddings give, one embedding per
	 * listed class, every value finite.
	 */
	public static StudentFile load(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new java.nio.file.NoSuchFileException(file.toString(), null,
			"student file not found");
		TrainedFile f = new TrainedFile(file, "student file", "train it again with transfer");
		Map<String, String> meta = f.metadata();
		if (!FORMAT.equals(meta.get("format"))) throw new WeightFormatException(file.getFileName() + " is not an "
			+ "MVP-SEG+ student (no format=" + FORMAT + " in its metadata); students come from the transfer command.");
		if (Integer.parseInt(meta.getOrDefault("version", "0")) > VERSION) throw new WeightFormatException(file
			.getFileName() + " is a newer student file than this MVP-SEG reads (version " + VERSION + "): update it.");
		Map<String, RawTensor> t = f.tensors();
		if (meta.get("backbone_identity") == null) throw f.damaged("no backbone_identity in its metadata");
		List<String> classes, unseen;
		try {
			classes = names(meta.get("classes"));
			unseen = names(meta.get("unseen_classes"));
		}
		catch (RuntimeException e) {
			throw f.damaged("its class list is unreadable: " + e.getMessage());
		}
		RawTensor emb = t.get("embeddings");
		long e = emb != null && emb.shape().length == 3 ? emb.shape()[2] : -1;
		float[] embeddings = f.floats(t, "embeddings", -1, classes.size(), e);
		float[][] p = new float[4 * StudentHead.DILATIONS.length][];
		for (int d = 0; d < StudentHead.DILATIONS.length; d++) {
			String n = "aspp." + StudentHead.DILATIONS[d] + ".";
			p[4 * d] = f.floats(t, n + "conv.weight", e, e, 3, 3);
			p[4 * d + 1] = f.floats(t, n + "conv.bias", e);
			p[4 * d + 2] = f.floats(t, n + "norm.weight", e);
			p[4 * d + 3] = f.floats(t, n + "norm.bias", e);
		}
		Gpr gpr = t.containsKey("gpr.text") ? gpr(f, t, meta.get("gpr"), classes, e) : null;
		float[][] block = null;
		if (t.containsKey("last_block.proj")) {
			block = new float[org.mvpseg.clip.LastBlock.NAMES.size()][];
			for (int i = 0; i < block.length; i++) block[i] = f.floats(t, "last_block." + org.mvpseg.clip.LastBlock.NAMES
				.get(i), -1);
		}
		try {
			return new StudentFile(new StudentHead((int) e, p), block, embeddings, (int) emb.shape()[0], gpr, classes, unseen,
				meta.get("backbone_identity"), DenseMode.parse(meta.get("dense_mode")), meta.get("teacher"), JsonParser
					.parseString(meta.get("training")).getAsJsonObject(), JsonParser.parseString(meta.get("losses"))
						.getAsJsonObject());
		}
		catch (RuntimeException x) {
			throw f.damaged(String.valueOf(x.getMessage()));
		}
	}

	private static JsonObject gprJson(Gpr g) {
		JsonObject o = new JsonObject();
		o.addProperty("form", g.form().label());
		o.addProperty("gamma", g.gamma());
		o.addProperty("tau2", g.tau2());
		if (!Double.isNaN(g.bias())) o.addProperty("bias", g.bias());
		return o;
	}

	private static Gpr gpr(TrainedFile f, Map<String, RawTensor> t, String json, List<String> classes, long e)
		throws IOException
	{
		float[] text = f.floats(t, "gpr.text", classes.size(), e);
		try {
			JsonObject o = JsonParser.parseString(json).getAsJsonObject();
			return new Gpr(GprForm.parse(o.get("form").getAsString()), o.get("gamma").getAsDouble(), o.get("tau2")
				.getAsDouble(), o.has("bias") ? o.get("bias").getAsDouble() : Double.NaN, classes, (int) e, text);
		}
		catch (RuntimeException x) {
			throw f.damaged("its GPR values are unreadable (metadata \"gpr\" needs form, gamma and tau2)");
		}
	}

	private static List<String> names(String json) {
		List<String> l = new ArrayList<>();
		for (var e : JsonParser.parseString(json).getAsJsonArray()) l.add(e.getAsString());
		return l;
	}

	/**
	 * The class weights the training used, lowest and highest with their classes ("class weights from 0.37 (background)
	 * to 6.7 (nucleus)"), or an empty string without class balance.
	 */
	public String classWeightsLine() {
		if (!training.has("class_weights")) return "";
		String lo = null, hi = null;
		double min = Double.MAX_VALUE, max = -1;
		for (var e : training.getAsJsonObject("class_weights").entrySet()) {
			double w = e.getValue().getAsDouble();
			if (w > 0 && w < min) {
				min = w;
				lo = e.getKey();
			}
			if (w > max) {
				max = w;
				hi = e.getKey();
			}
		}
		return lo == null ? "" : String.format(java.util.Locale.ROOT, "class weights from %.3g (%s) to %.3g (%s): the "
			+ "teacher's rarer labels weigh more; if one class truly dominates your images, compare --class-balance 0.5 or "
			+ "0 on a few annotated ones (evaluate --student)", min, lo, max, hi);
	}

	/** A summary line for logs. */
	public String describe() {
		return "MVP-SEG+ student (ASPP head on " + denseMode.label() + " features" + (lastBlock != null ? " of a "
			+ "fine-tuned last block" : "") + ", " + views + " view(s) per class, "
			+ (gpr != null ? "the teacher's " + gpr.describe() + ", " : "") + "teacher " + teacher + ", classes " + classes
			+ ")";
	}
}
