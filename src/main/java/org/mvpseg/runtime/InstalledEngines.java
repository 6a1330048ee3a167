package org.mvpseg.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The engine cache as read before DJL starts: libtorch builds installed there (by the engine package's installer,
 * docs/gpu.md), each in {@code <dir>/pytorch-<version>-<flavor>-<platform>/} with {@code installed.properties}. A
 * folder without its marker, or whose library folder is gone, is not an engine.
 */
public final class InstalledEngines {

	public static final String PROPERTY = "mvpseg.engines.dir", ENV = "MVPSEG_ENGINES";
	public static final String MARKER = "installed.properties";

	private InstalledEngines() {}

	/** An installed libtorch: its folder, the folder DJL loads from, and where it came from. */
	public record Installed(Path home, String version, String flavor, String platform, Path lib, String sha256,
		String url)
	{
		public String describe() {
			return "libtorch " + version + " " + flavor + " (" + platform + ") in " + lib + ", archive SHA-256 " + sha256;
		}
	}

	/** The cache named by -Dmvpseg.engines.dir, $MVPSEG_ENGINES, else $XDG_CACHE_HOME or ~/.cache /mvp-seg/engines. */
	public static Path dir() {
		String p = System.getProperty(PROPERTY);
		if (p != null && !p.isBlank()) return Path.of(p);
		String e = System.getenv(ENV);
		if (e != null && !e.isBlank()) return Path.of(e);
		String xdg = System.getenv("XDG_CACHE_HOME");
		Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
		return base.resolve("mvp-seg").resolve("engines");
	}

	/** The engines installed in {@code dir} for {@code platform}, CUDA builds first. */
	public static List<Installed> installed(Path dir, String platform) {
		List<Installed> out = new ArrayList<>();
		if (!Files.isDirectory(dir)) return out;
		try (Stream<Path> s = Files.list(dir)) {
			for (Path home : (Iterable<Path>) s::iterator) {
				Optional<Installed> i = read(home);
				if (i.isPresent() && i.get().platform().equals(platform)) out.add(i.get());
			}
		}
		catch (IOException e) {
			return out; // an unreadable cache holds nothing usable
		}
		out.sort(Comparator.comparing((Installed i) -> !i.flavor().startsWith("cu")).thenComparing(Installed::flavor));
		return out;
	}

	/** The engine in {@code home}, if it is a complete one. */
	public static Optional<Installed> read(Path home) {
		Path marker = home.resolve(MARKER);
		if (!Files.isRegularFile(marker)) return Optional.empty();
		Properties p = new Properties();
		try (InputStream in = Files.newInputStream(marker)) {
			p.load(in);
		}
		catch (IOException | IllegalArgumentException e) {
			return Optional.empty();
		}
		Path lib = home.resolve(p.getProperty("lib", "lib"));
		if (!Files.isDirectory(lib)) return Optional.empty();
		return Optional.of(new Installed(home, p.getProperty("version"), p.getProperty("flavor"), p.getProperty(
			"platform"), lib, p.getProperty("sha256"), p.getProperty("url")));
	}

	/** This machine's platform in DJL's words (linux-x86_64, win-x86_64, osx-aarch64…). */
	public static String platform() {
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT), arch = System.getProperty("os.arch");
		String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") ? "aarch64" : arch;
		return (os.startsWith("win") ? "win" : os.contains("mac") ? "osx" : "linux") + "-" + a;
	}
}
