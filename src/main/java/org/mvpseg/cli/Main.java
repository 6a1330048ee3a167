package org.mvpseg.cli;

import org.mvpseg.runtime.Torch;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code java -jar mvp-seg.jar <subcommand> …}. Errors end in one line that says what to do, and a
 * non-zero exit code: 2 for a mistake in the command line, 1 for a failure.
 */
public final class Main {

	interface Subcommand {
		String usage();

		int run(String[] argv, PrintStream out) throws Exception;
	}

	private static final Map<String, Supplier<Subcommand>> COMMANDS = new java.util.LinkedHashMap<>();
	static {
		COMMANDS.put("tokenize", TokenizeCommand::new);
		COMMANDS.put("verify-reference", VerifyReferenceCommand::new);
		COMMANDS.put("segment", SegmentCommand::new);
		COMMANDS.put("train", TrainCommand::new);
		COMMANDS.put("evaluate", EvaluateCommand::new);
		COMMANDS.put("transfer", TransferCommand::new);
		COMMANDS.put("synthetic-data", SyntheticDataCommand::new);
		COMMANDS.put("fetch-model", FetchModelCommand::new);
		COMMANDS.put("models", ModelsCommand::new);
		COMMANDS.put("engine", EngineCommand::new);
		COMMANDS.put("spark", SparkCommand::new);
		COMMANDS.put("bench", BenchCommand::new);
	}

	private Main() {}

	public static void main(String[] argv) {
		Torch.configure();
		System.setProperty("java.awt.headless", "true");
		System.setErr(new QuietErr(System.err)); // DJL's slf4j-api 1.7 complains when no logger is bound
		System.exit(run(argv, System.out, System.err));
	}

	/** Drops slf4j's "no binding" notice, which tells command-line users nothing. */
	private static final class QuietErr extends PrintStream {
		QuietErr(PrintStream target) {
			super(target, true);
		}

		@Override
		public void println(String line) {
			if (line == null || !line.startsWith("SLF4J: ")) super.println(line);
		}
	}

	static int run(String[] argv, PrintStream out, PrintStream err) {
		if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
			out.println("usage: mvp-seg <subcommand> [options]");
			for (Supplier<Subcommand> s : COMMANDS.values()) out.println("  " + s.get().usage());
			return argv.length == 0 ? 2 : 0;
		}
		Subcommand cmd = command(argv[0]);
		if (cmd == null) {
			err.println("mvp-seg: unknown subcommand '" + argv[0] + "'; one of " + COMMANDS.keySet());
			return 2;
		}
		if (java.util.Arrays.asList(argv).subList(1, argv.length).stream().anyMatch(x -> x.equals("--help") || x
			.equals("-h")))
		{
			out.println("usage: " + cmd.usage());
			return 0;
		}
		try {
			return cmd.run(argv, out);
		}
		catch (Args.UsageException | org.mvpseg.runtime.RequestException e) {
			err.println("mvp-seg " + argv[0] + ": " + e.getMessage());
			err.println("usage: " + cmd.usage());
			return 2;
		}
		catch (IOException | Torch.EngineException | IllegalArgumentException | IllegalStateException e) {
			err.println("mvp-seg " + argv[0] + ": " + message(e));
			return 1;
		}
		catch (OutOfMemoryError e) {
			err.println("mvp-seg " + argv[0] + ": out of memory. Give Java more (java -Xmx16g -jar …), or use a smaller "
				+ "--window or --batch, or leave probabilities out of --outputs.");
			return 1;
		}
		catch (Exception e) {
			err.println("mvp-seg " + argv[0] + ": unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage()
				+ " (please report this with the command you ran)");
			return 1;
		}
	}

	/** A new instance of the subcommand {@code name}, or null. */
	static Subcommand command(String name) {
		Supplier<Subcommand> factory = COMMANDS.get(name);
		return factory == null ? null : factory.get();
	}

	/** An error in one line, as Fiji words it too ({@link org.mvpseg.runtime.Failures#message}). */
	static String message(Exception e) {
		return org.mvpseg.runtime.Failures.message(e);
	}
}
