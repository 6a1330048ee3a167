package org.mvpseg.clip.io;

import java.io.IOException;

/** A weight file that cannot be used; the message names the problem and what to do about it. */
public class WeightFormatException extends IOException {

	public WeightFormatException(String message) {
		super(message);
	}

	public WeightFormatException(String message, Throwable cause) {
		super(message, cause);
	}
}
