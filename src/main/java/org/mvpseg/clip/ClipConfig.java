package org.mvpseg.clip;

import org.mvpseg.clip.io.RawTensor;
import org.mvpseg.clip.io.WeightFormatException;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The architecture of a CLIP checkpoint, inferred from its tensor shapes exactly as OpenAI's
 * {@code build_model} does (ViT if {@code visual.proj} exists, else ModifiedResNet; heads = width / 64).
 * {@code timmBert}: a timm ViT and a BERT text tower in open_clip's layout (BiomedCLIP; {@link TimmBertLayout}).
 * {@code quickGelu}: OpenAI's towers' MLP activation, QuickGELU (OpenAI, PLIP) or the exact GELU (open_clip's default:
 * {@link BesideFiles#quickGelu}).
 */
public record ClipConfig(boolean vit, int embedDim, int imageResolution, int visionWidth, int visionLayers,
	int patchSize, int[] resnetLayers, int contextLength, int vocabSize, int textWidth, int textHeads,
	int textLayers, boolean timmBert, boolean quickGelu)
{
	private static final Pattern VIT_BLOCK = Pattern.compile("visual\\.transformer\\.resblocks\\.(\\d+)\\.attn\\.in_proj_weight");
	private static final Pattern TEXT_BLOCK = Pattern.compile("transformer\\.resblocks\\.(\\d+)\\..*");

	public static ClipConfig infer(Map<String, RawTensor> w) throws WeightFormatException {
		boolean vit = w.containsKey("visual.proj");
		int embedDim = (int) need(w, "text_projection").dim(1);
		int visionWidth, visionLayers = 0, patch = 0, resolution;
		int[] rn = null;
		if (vit) {
			RawTensor conv = need(w, "visual.conv1.weight");
			visionWidth = (int) conv.dim(0);
			patch = (int) conv.dim(-1);
			for (String k : w.keySet()) {
				Matcher m = VIT_BLOCK.matcher(k);
				if (m.matches()) visionLayers = Math.max(visionLayers, Integer.parseInt(m.group(1)) + 1);
			}
			long rows = need(w, "visual.positional_embedding").dim(0) - 1;
			int grid = (int) Math.round(Math.sqrt(rows));
			if (grid * grid != rows) throw new WeightFormatException("visual.positional_embedding has " + (rows + 1)
				+ " rows; a ViT needs 1 + a square number. The file is not a CLIP ViT.");
			resolution = patch * grid;
		}
		else {
			if (!w.containsKey("visual.layer1.0.conv1.weight")) throw new WeightFormatException(
				"No image tower found (neither visual.proj for a ViT nor visual.layer1.* for a ResNet): "
					+ "this is not a CLIP checkpoint with OpenAI's parameter names.");
			rn = new int[4];
			for (int s = 1; s <= 4; s++) {
				int n = 0;
				while (w.containsKey("visual.layer" + s + "." + n + ".conv1.weight")) n++;
				if (n == 0) throw new WeightFormatException("ResNet stage visual.layer" + s + " is missing; the file is incomplete.");
				rn[s - 1] = n;
			}
			visionWidth = (int) need(w, "visual.layer1.0.conv1.weight").dim(0);
			long posRows = need(w, "visual.attnpool.positional_embedding").dim(0) - 1;
			int spatial = (int) Math.round(Math.sqrt(posRows));
			resolution = spatial * 32;
		}
		int textLayers = 0;
		for (String k : w.keySet()) {
			Matcher m = TEXT_BLOCK.matcher(k);
			if (m.matches()) textLayers = Math.max(textLayers, Integer.parseInt(m.group(1)) + 1);
		}
		// OpenAI reads the width from ln_final; the token embedding holds the same number, and reading it
		// there lets a damaged ln_final be reported under its own name.
		RawTensor tokens = need(w, "token_embedding.weight");
		if (tokens.shape().length != 2) throw new WeightFormatException("token_embedding.weight has shape "
			+ java.util.Arrays.toString(tokens.shape()) + "; expected [vocabulary, width].");
		int textWidth = (int) tokens.dim(1);
		if (textWidth % 64 != 0 && textWidth > 64) throw new WeightFormatException("text width " + textWidth
			+ " is not a multiple of 64 (CLIP uses 64-wide heads).");
		if (vit && visionWidth % 64 != 0 && visionWidth > 64) throw new WeightFormatException("vision width "
			+ visionWidth + " is not a multiple of 64 (CLIP uses 64-wide heads).");
		return new ClipConfig(vit, embedDim, resolution, visionWidth, visionLayers, patch, rn,
			(int) need(w, "positional_embedding").dim(0), (int) need(w, "token_embedding.weight").dim(0),
			textWidth, Math.max(1, textWidth / 64), textLayers, false, true);
	}

	/** The same architecture with the MLP activation {@code quick} (QuickGELU) or the exact GELU. */
	public ClipConfig withQuickGelu(boolean quick) {
		return new ClipConfig(vit, embedDim, imageResolution, visionWidth, visionLayers, patchSize, resnetLayers,
			contextLength, vocabSize, textWidth, textHeads, textLayers, timmBert, quick);
	}

	/** Attention heads of the image tower: width/64 (ViT) or width·32/64 (ResNet attention pool). */
	public int visionHeads() {
		return vit ? Math.max(1, visionWidth / 64) : visionWidth * 32 / 64;
	}

	/** Pixels per dense-feature cell: the patch size, or 32 for the ResNet. */
	public int cellSize() {
		return vit ? patchSize : 32;
	}

	public String describe() {
		String image = vit ? String.format((timmBert ? "timm " : "") + "ViT width %d, %d layers, patch %d", visionWidth, visionLayers, patchSize)
			: String.format("ModifiedResNet layers %s, width %d", java.util.Arrays.toString(resnetLayers), visionWidth);
		if (!quickGelu && !timmBert) image += ", GELU";
		return String.format("%s, %d px; %stext width %d, %d layers; embed %d", image, imageResolution, timmBert ? "BERT "
			: "", textWidth,
			textLayers, embedDim);
	}

	private static RawTensor need(Map<String, RawTensor> w, String name) throws WeightFormatException {
		RawTensor t = w.get(name);
		if (t == null) throw new WeightFormatException("The weights lack tensor '" + name
			+ "': the file is incomplete or not a CLIP model with OpenAI's (or Hugging Face's) parameter names.");
		return t;
	}
}
