package org.mvpseg.cli;

/**
 * The entry for spark-submit: {@code spark-submit --class org.mvpseg.cli.SparkJob mvp-seg.jar --input …} runs the
 * {@code spark} subcommand ({@link SparkCommand}) with the same options.
 */
public final class SparkJob {

	private SparkJob() {}

	public static void main(String[] argv) {
		String[] withName = new String[argv.length + 1];
		withName[0] = "spark";
		System.arraycopy(argv, 0, withName, 1, argv.length);
		System.exit(Main.run(withName, System.out, System.err));
	}
}
