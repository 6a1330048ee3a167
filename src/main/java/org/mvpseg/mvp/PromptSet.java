package org.mvpseg.mvp;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.TrainedFile;
import org.mvpseg.clip.io.SafetensorsWriter;
import org.mvpseg.clip.io.WeightFormatException;
import org.mvpseg.models.ModelResolver;
import org.mvpseg.models.WeightIdentity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * MVP-SEG's learned prompts (docs/formulas.md §5): one global prompt p₀ and K segmentation prompts
 * p₁…p_K, each M context vectors of the text width, plus τ₁ = exp(a), τ₂, the optional GPR bias b
 * and the fixed γ.
 * <p>
 * File format (version 1): a safetensors file with F32 tensors {@code context} [K+1, M, W] (row 0
 * is the global prompt), {@code tau1_log} [1], {@code tau2} [1], {@code gpr_bias} [1], and string
 * metadata: {@code format} = "mvp-seg-prompts", {@code version}, {@code k}, {@code m}, {@code gamma},
 * {@code learn_bias}, {@code gpr_form} (paper or siglip, {@link GprForm}; absent = paper), {@code backbone_sha256} and {@code backbone} (the weights it was trained
 * with; other weights are refused), {@code seen_classes} (JSON array), {@code training} and
 * {@code losses} (JSON objects). A prompt set only ever comes out of training.
 */
public final class PromptSet {

	public static final String FORMAT = "mvp-seg-prompts";
	public static final int VERSION = 1;

	final int k, m, width;
	final float[] context;
	double tau1Log, tau2, gprBias;
	final boolean learnBias;
	final double gamma;
	String backboneSha256, backbone;
	/** How {@code backboneSha256} identifies the weights: {@link WeightIdentity#RECIPE}, or null for a file hash. */
	String backboneIdentity;
	/** GPR's form (how τ₂ and the bias enter g_c); files from before record none and mean the paper's. */
	GprForm gprForm = GprForm.PAPER;
	/** The dense features it was trained on; files from before record none and mean MaskCLIP's. */
	org.mvpseg.clip.DenseMode denseMode = org.mvpseg.clip.DenseMode.MASKCLIP;
	List<String> seenClasses = List.of();
	JsonObject training = new JsonObject(), losses = new JsonObject();

	PromptSet(int k, int m, int width, float[] context, double tau1Log, double tau2, double gprBias,
		boolean learnBias, double gamma)
	{
		if (context.length != (k + 1) * m * width) throw new IllegalArgumentException("context has " + context.length
			+ " values, expected " + (k + 1) * m * width);
		this.k = k;
		this.m = m;
		this.width = width;
		this.context = context;
		this.tau1Log = tau1Log;
		this.tau2 = tau2;
		this.gprBias = gprBias;
		this.learnBias = learnBias;
		this.gamma = gamma;
	}

	/**
	 * The starting point of training: every vector drawn from N(0, 0.02²) (all prompts differ),
	 * τ₁ = 100 / K so that τ₁·K ≈ 100, τ₂ = 0.07, bias 0, γ = 100 (docs/formulas.md §5 choices).
	 */
	public static PromptSet initial(int k, int m, int width, long seed, boolean learnBias) {
		return initial(k, m, width, seed, learnBias, GprForm.PAPER);
	}

	/** As above with GPR in {@code form}: its own starting τ₂ and bias ({@link GprForm}). */
	public static PromptSet initial(int k, int m, int width, long seed, boolean learnBias, GprForm form) {
		if (k < 1 || m < 1) throw new IllegalArgumentException("K and M must be at least 1");
		Random r = new Random(seed);
		float[] ctx = new float[(k + 1) * m * width];
		for (int i = 0; i < ctx.length; i++) ctx[i] = (float) (0.02 * r.nextGaussian());
		PromptSet p = new PromptSet(k, m, width, ctx, Math.log(100.0 / k), form.initialTau2(), form.initialBias(), form
			.learnsBias(learnBias), 100);
		p.gprForm = form;
		return p;
	}

	/** M, the number of learned context vectors per prompt (not the 77 tokens of a sentence). */
	public int contextVectors() {
		return m;
	}

	public int width() {
		return width;
	}

	public double tau1() {
		return Math.exp(tau1Log);
	}

	public double tau2() {
		return tau2;
	}

	public double gprBias() {
		return gprBias;
	}

	/** The dense features these prompts were trained on (MaskCLIP's for files from before it was recorded). */
	public org.mvpseg.clip.DenseMode denseMode() {
		return denseMode;
	}

	/** GPR's form: the paper's for files from before it was recorded. */
	public GprForm gprForm() {
		return gprForm;
	}

	public double gamma() {
		return gamma;
	}

	public float[] context() {
		return context.clone();
	}

	public List<String> seenClasses() {
		return seenClasses;
	}

	public String backboneSha256() {
		return backboneSha256;
	}

	public JsonObject losses() {
		return losses;
	}

	/** Refuses to run with weights other than those the prompts were trained with. */
	/**
	 * Refuses other weights. Prompt sets record the weights' identity by their tensors (the same
	 * weights in another file format pass; an F16 copy of F32 weights does not); files from before
	 * that record the weight file's SHA-256 and are checked against it.
	 */
	public void checkBackbone(ModelResolver.Resolved weights, int textWidth) throws IOException {
		if (textWidth != width) throw new IllegalArgumentException("These prompts were trained for a text width of "
			+ width + " (" + backbone + ") but the model has " + textWidth + ": use the weights they were trained with.");
		if (backboneSha256 == null) return;
		boolean byTensors = WeightIdentity.RECIPE.equals(backboneIdentity);
		String given = byTensors ? weights.identity() : weights.sha256();
		if (!backboneSha256.equals(given)) throw new IllegalArgumentException("These prompts were trained with other "
			+ "weights (" + backbone + ", " + (byTensors ? "tensors" : "file") + " SHA-256 " + backboneSha256.substring(0,
				12) + "…); the given weights have " + given.substring(0, 12) + "…. Use the same weights or retrain.");
	}

	public void save(Path file) throws IOException {
		Map<String, RawTensor> t = new LinkedHashMap<>();
		t.put("context", SafetensorsWriter.f32("context", context, k + 1, m, width));
		t.put("tau1_log", SafetensorsWriter.f32("tau1_log", new float[] { (float) tau1Log }, 1));
		t.put("tau2", SafetensorsWriter.f32("tau2", new float[] { (float) tau2 }, 1));
		t.put("gpr_bias", SafetensorsWriter.f32("gpr_bias", new float[] { (float) gprBias }, 1));
		Map<String, String> meta = new LinkedHashMap<>();
		meta.put("format", FORMAT);
		meta.put("version", Integer.toString(VERSION));
		meta.put("k", Integer.toString(k));
		meta.put("m", Integer.toString(m));
		meta.put("gamma", Double.toString(gamma));
		meta.put("learn_bias", Boolean.toString(learnBias));
		meta.put("gpr_form", gprForm.label());
		if (backboneSha256 != null) meta.put("backbone_sha256", backboneSha256);
		if (backboneIdentity != null) meta.put("backbone_identity", backboneIdentity);
		meta.put("dense_mode", denseMode.label());
		if (backbone != null) meta.put("backbone", backbone);
		meta.put("seen_classes", new Gson().toJson(seenClasses));
		meta.put("training", training.toString());
		meta.put("losses", losses.toString());
		SafetensorsWriter.write(file, t, meta);
	}

	/** What a damaged prompt set's message tells the user to do. */
	private static final String REMEDY = "prompt sets are made by training: use the file training wrote, or train again";

	/**
	 * Reads a prompt set, refusing a damaged one: every tensor of the shape its K and M say, every value finite, τ₂
	 * positive.
	 */
	public static PromptSet load(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new java.nio.file.NoSuchFileException(file.toString(), null,
			"prompt set not found");
		TrainedFile f = new TrainedFile(file, "prompt set", REMEDY);
		Map<String, String> meta = f.metadata();
		if (!FORMAT.equals(meta.get("format"))) throw new WeightFormatException(file.getFileName()
			+ " is not an MVP-SEG prompt set (no format=" + FORMAT + " in its metadata); prompt sets come from the "
			+ "train command.");
		int version = Integer.parseInt(meta.getOrDefault("version", "0"));
		if (version > VERSION) throw new WeightFormatException(file.getFileName() + " has prompt-set version "
			+ version + "; this MVP-SEG reads version " + VERSION + ": update the plugin.");
		Map<String, RawTensor> t = f.tensors();
		int k = f.integer(meta, "k", 1, 100_000), m = f.integer(meta, "m", 1, 100_000);
		RawTensor ctx = t.get("context");
		long width = ctx != null && ctx.shape().length == 3 ? ctx.shape()[2] : -1;
		PromptSet p = new PromptSet(k, m, (int) width, f.floats(t, "context", k + 1, m, width), f.floats(t, "tau1_log",
			1)[0], f.floats(t, "tau2", 1)[0], f.floats(t, "gpr_bias", 1)[0], Boolean.parseBoolean(meta.get("learn_bias")),
			f.decimal(meta, "gamma"));
		if (!(p.tau2 > 0)) throw f.damaged("tau2 is " + p.tau2 + ", not positive");
		try {
			p.metadata(meta);
			return p;
		}
		catch (RuntimeException e) {
			throw f.damaged(String.valueOf(e.getMessage()));
		}
	}

	/** The identity of the weights, the dense mode, the seen classes and the training record. */
	private void metadata(Map<String, String> meta) {
		backboneSha256 = meta.get("backbone_sha256");
		backboneIdentity = meta.get("backbone_identity"); // absent before identities by tensors: a file's SHA-256
		denseMode = org.mvpseg.clip.DenseMode.parse(meta.getOrDefault("dense_mode", "maskclip"));
		gprForm = GprForm.parse(meta.getOrDefault("gpr_form", "paper")); // absent before forms: the paper's
		backbone = meta.get("backbone");
		List<String> seen = new ArrayList<>();
		for (var e : JsonParser.parseString(meta.getOrDefault("seen_classes", "[]")).getAsJsonArray()) seen.add(e
			.getAsString());
		seenClasses = List.copyOf(seen);
		training = JsonParser.parseString(meta.getOrDefault("training", "{}")).getAsJsonObject();
		losses = JsonParser.parseString(meta.getOrDefault("losses", "{}")).getAsJsonObject();
	}

	/** A summary line for logs. */
	public String describe() {
		return String.format(java.util.Locale.ROOT, "MVP-SEG prompts K=%d, M=%d, tau1=%.2f, GPR form %s, tau2=%.4f%s, "
			+ "gamma=%.0f, seen %s", k, m, tau1(), gprForm.label(), tau2, learnBias ? String.format(java.util.Locale.ROOT,
				", bias=%.4f", gprBias) : "", gamma, seenClasses);
	}
}
