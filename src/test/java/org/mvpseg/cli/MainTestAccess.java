package org.mvpseg.cli;

/** Lets tests in other packages run a subcommand in-process. */
public final class MainTestAccess {

	private MainTestAccess() {}

	public static int run(String... args) {
		return MainTest.run(args).code();
	}
}
