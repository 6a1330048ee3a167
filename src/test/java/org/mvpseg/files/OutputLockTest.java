package org.mvpseg.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The output locks: per file for training runs, refused when the lock file is a link, held across processes. */
class OutputLockTest {

	@TempDir
	Path tmp;

	/** Holds the lock of args[0] (an output file) until its standard input closes: another process. */
	public static void main(String[] args) throws Exception {
		try (OutputLock l = OutputLock.tryAcquireFor(Path.of(args[0]))) {
			System.out.println(l == null ? "busy" : "locked");
			System.out.flush();
			while (System.in.read() >= 0) {
				// wait for the test to close our input
			}
		}
	}

	@Test
	void aSecondClaimOnOneFileIsRefusedInThisProcessAndFromAnother() throws Exception {
		Path out = tmp.resolve("a.prompts");
		try (OutputLock first = OutputLock.tryAcquireFor(out)) {
			assertNotNull(first);
			assertNull(CompletableFuture.supplyAsync(() -> {
				try {
					return OutputLock.tryAcquireFor(out);
				}
				catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			}).get(30, TimeUnit.SECONDS), "another thread is refused");
			assertNull(OutputLock.tryAcquireFor(out), "and so is this thread a second time");
			assertNotNull(OutputLock.tryAcquireFor(tmp.resolve("b.prompts")), "another file is free");
		}
		// the operating system's lock: another process holds it, this one is refused
		Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System
			.getProperty("java.class.path"), OutputLockTest.class.getName(), out.toString()).redirectErrorStream(true)
				.start();
		try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
			assertEquals("locked", r.readLine());
			assertNull(OutputLock.tryAcquireFor(out), "held by the other process");
			p.getOutputStream().close();
			assertTrue(p.waitFor(60, TimeUnit.SECONDS));
		}
		try (OutputLock again = OutputLock.tryAcquireFor(out)) {
			assertNotNull(again, "free once that process ended");
		}
	}

	@Test
	void aLockFileThatIsALinkIsRefused() throws Exception {
		Path target = Files.writeString(tmp.resolve("elsewhere.txt"), "precious");
		Path dir = Files.createDirectories(tmp.resolve("out"));
		Files.createSymbolicLink(dir.resolve(".mvpseg.lock"), target);
		IOException e = assertThrows(IOException.class, () -> OutputLock.acquire(dir));
		assertTrue(e.getMessage().startsWith("The lock file") && e.getMessage().contains("symbolic link")
			&& e.getMessage().contains("remove it"), e.getMessage());
		Files.createSymbolicLink(dir.resolve(".x.prompts.mvpseg.lock"), target);
		assertThrows(IOException.class, () -> OutputLock.tryAcquireFor(dir.resolve("x.prompts")));
		assertEquals("precious", Files.readString(target));
	}
}
