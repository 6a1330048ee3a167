package org.mvpseg.cli;

import ai.djl.ndarray.NDManager;
import org.mvpseg.clip.ClipModel;
import org.mvpseg.clip.ReferenceCheck;
import org.mvpseg.runtime.Torch;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** {@code verify-reference}: max absolute error per field against OpenAI reference outputs. */
final class VerifyReferenceCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "verify-reference --weights FILE --expected FILE.json [--tolerance 1e-4]";
	}

	@Override
	public int run(String[] argv, PrintStream out) throws Exception {
		Args a = new Args(argv, 1, Set.of("weights", "expected", "tolerance"), Set.of());
		Path weights = a.path("weights"), expected = a.path("expected");
		double tol = a.decimal("tolerance", 1e-4);
		ReferenceCheck check = new ReferenceCheck(expected);
		try (NDManager m = Torch.newManager(); ClipModel model = ClipModel.load(weights, m)) {
			out.println("model: " + model.config().describe());
			Map<String, Double> err = check.run(model, m);
			if (err.isEmpty()) throw new IllegalArgumentException(expected + " holds none of the known fields "
				+ String.join(", ", ReferenceCheck.FIELDS));
			int bad = 0;
			for (Map.Entry<String, Double> e : err.entrySet()) {
				boolean ok = e.getValue() <= tol;
				if (!ok) bad++;
				String mismatch = check.shapeMismatches().get(e.getKey());
				if (mismatch != null) out.printf("%-30s %s: not comparable%n", e.getKey(), mismatch);
				else out.printf("%-30s max abs error %.3e  %s%n", e.getKey(), e.getValue(), ok ? "ok" : "EXCEEDS " + tol);
			}
			out.println(bad == 0 ? "all " + err.size() + " fields within " + tol : bad + " field(s) exceed " + tol);
			return bad == 0 ? 0 : 1;
		}
	}
}
