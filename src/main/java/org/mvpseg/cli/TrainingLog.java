package org.mvpseg.cli;

import org.mvpseg.files.AtomicFiles;
import org.mvpseg.mvp.PromptTrainer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The training log ({@code FILE.log.csv}), one row per iteration. Opened at the first iteration the run trains, so
 * only then is it known where the run starts: a resumed run keeps the rows up to its checkpoint's iteration (rows
 * beyond it were trained again) and appends; a run that fails before its first iteration leaves the log as it was.
 */
final class TrainingLog implements Consumer<PromptTrainer.Step>, AutoCloseable {

	static final String HEADER = "iteration,loss,seg,cls,oc,lr,tau1,tau2,bias,seconds";

	private final Path file;
	private BufferedWriter out;

	TrainingLog(Path file) {
		this.file = file;
	}

	@Override
	public void accept(PromptTrainer.Step s) {
		try {
			if (out == null) out = open(s.iteration() - 1);
			out.write(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.6e,%.4f,%.6f,%.6f,%.3f%n", s.iteration(), s
				.loss(), s.seg(), s.cls(), s.oc(), s.lr(), s.tau1(), s.tau2(), s.bias(), s.seconds()));
			out.flush();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The log with the rows of iterations 1..{@code start} kept (none for a run from the start), for appending. */
	private BufferedWriter open(int start) throws IOException {
		List<String> kept = new ArrayList<>(List.of(HEADER));
		if (start > 0 && Files.exists(file)) for (String line : Files.readAllLines(file, StandardCharsets.UTF_8))
			if (iteration(line) >= 1 && iteration(line) <= start) kept.add(line);
		Path tmp = AtomicFiles.tempSibling(file);
		Files.write(tmp, kept, StandardCharsets.UTF_8);
		Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
	}

	/** A row's iteration, or -1 for the header and anything that is not a row. */
	private static int iteration(String line) {
		int comma = line.indexOf(',');
		try {
			return Integer.parseInt(comma < 0 ? line : line.substring(0, comma));
		}
		catch (NumberFormatException e) {
			return -1;
		}
	}

	@Override
	public void close() throws IOException {
		if (out != null) out.close();
	}
}
