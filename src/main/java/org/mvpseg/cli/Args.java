package org.mvpseg.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --key value} options and positional words, checked against what a subcommand accepts. */
final class Args {

	final List<String> positional = new ArrayList<>();
	private final Map<String, String> options = new LinkedHashMap<>();

	/** Every option this subcommand accepts (an unknown one's error carries them). */
	private final Set<String> accepted;

	Args(String[] argv, int from, Set<String> valued, Set<String> flags) {
		Set<String> all = new java.util.TreeSet<>(valued);
		all.addAll(flags);
		accepted = java.util.Collections.unmodifiableSet(all);
		for (int i = from; i < argv.length; i++) {
			String a = argv[i];
			if (a.startsWith("--") && a.length() > 2) {
				String key = a.substring(2), value = null;
				int eq = key.indexOf('=');
				if (eq >= 0) {
					value = key.substring(eq + 1);
					key = key.substring(0, eq);
				}
				if (flags.contains(key)) options.put(key, "true");
				else if (valued.contains(key)) {
					if (value == null) {
						if (i + 1 >= argv.length) throw new UsageException("--" + key + " needs a value");
						value = argv[++i];
					}
					options.put(key, value);
				}
				else throw new UsageException("unknown option --" + key, accepted);
			}
			else positional.add(a);
		}
	}

	/**
	 * The options of {@code keys} that were given, made absolute against this process's working folder (given as
	 * {@code --key value} or {@code --key=value} alike); returns this.
	 */
	Args absolute(Set<String> keys) {
		// java.io.File: a glob's * is no valid path character everywhere
		for (String k : keys) options.computeIfPresent(k, (key, v) -> new java.io.File(v).getAbsolutePath());
		return this;
	}

	String get(String key, String fallback) {
		return options.getOrDefault(key, fallback);
	}

	boolean has(String key) {
		return options.containsKey(key);
	}

	String require(String key) {
		String v = options.get(key);
		if (v == null) throw new UsageException("--" + key + " is required");
		return v;
	}

	Path path(String key) {
		return Path.of(require(key));
	}

	int integer(String key, int fallback, int min) {
		String v = options.get(key);
		if (v == null) return fallback;
		try {
			int n = Integer.parseInt(v.trim());
			if (n < min) throw new UsageException("--" + key + " must be at least " + min + ", got " + n);
			return n;
		}
		catch (NumberFormatException e) {
			throw new UsageException("--" + key + " must be a whole number, got '" + v + "'");
		}
	}

	/** A finite number: no option means anything by NaN or infinity (Java parses both). */
	double decimal(String key, double fallback) {
		String v = options.get(key);
		if (v == null) return fallback;
		try {
			double d = Double.parseDouble(v.trim());
			if (!Double.isFinite(d)) throw new UsageException("--" + key + " must be a finite number, got '" + v + "'");
			return d;
		}
		catch (NumberFormatException e) {
			throw new UsageException("--" + key + " must be a number, got '" + v + "'");
		}
	}

	/** A number in [min, max] ({@code range} says which in words: "greater than 0", "at least 0"). */
	double decimal(String key, double fallback, double min, double max, String range) {
		double d = decimal(key, fallback);
		if (d < min || d > max) throw new UsageException("--" + key + " must be " + range + ", got " + options.get(key));
		return d;
	}

	int[] integers(String key, String fallback) {
		String[] parts = get(key, fallback).split(",");
		int[] out = new int[parts.length];
		for (int i = 0; i < parts.length; i++) {
			try {
				out[i] = Integer.parseInt(parts[i].trim());
			}
			catch (NumberFormatException e) {
				throw new UsageException("--" + key + " takes comma-separated whole numbers, got '" + get(key, fallback) + "'");
			}
		}
		return out;
	}

	/** A mistake in the command line; Main prints it with the usage line. */
	static final class UsageException extends RuntimeException {
		/** For an unknown option: the options the subcommand accepts (else empty). */
		final Set<String> accepted;

		UsageException(String message) {
			this(message, Set.of());
		}

		UsageException(String message, Set<String> accepted) {
			super(message);
			this.accepted = accepted;
		}
	}
}
