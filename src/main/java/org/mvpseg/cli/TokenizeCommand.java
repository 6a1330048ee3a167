package org.mvpseg.cli;

import org.mvpseg.clip.ClipTokenizer;

import java.io.PrintStream;
import java.util.Set;

/** {@code tokenize TEXT…}: the 77 CLIP token ids of each text, one line each. */
final class TokenizeCommand implements Main.Subcommand {

	@Override
	public String usage() {
		return "tokenize TEXT...";
	}

	@Override
	public int run(String[] argv, PrintStream out) {
		Args a = new Args(argv, 1, Set.of(), Set.of());
		if (a.positional.isEmpty()) throw new Args.UsageException("give at least one text");
		ClipTokenizer tok = ClipTokenizer.get();
		for (String text : a.positional) {
			StringBuilder sb = new StringBuilder();
			for (int id : tok.tokenize(text)) sb.append(sb.length() == 0 ? "" : " ").append(id);
			out.println(sb);
		}
		return 0;
	}
}
