package org.mvpseg;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** Locates the test resources copied from the reference fixtures. */
public final class TestFiles {

	private TestFiles() {}

	public static Path fixture(String name) {
		try {
			return Path.of(TestFiles.class.getResource("/fixtures/" + name).toURI());
		}
		catch (URISyntaxException | NullPointerException e) {
			throw new IllegalStateException("test resource fixtures/" + name + " is missing", e);
		}
	}

	/** A local HTTP server (started) for the files of {@code folder}, counting requests in {@code hits}. */
	public static HttpServer serve(Path folder, AtomicInteger hits) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/", ex -> {
			hits.incrementAndGet();
			byte[] body = Files.readAllBytes(folder.resolve(ex.getRequestURI().getPath().substring(1)));
			ex.sendResponseHeaders(200, body.length);
			ex.getResponseBody().write(body);
			ex.close();
		});
		server.start();
		return server;
	}
}
