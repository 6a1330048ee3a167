package org.mvpseg.runtime;

/**
 * A mistake in what the user asked for (an option, a class list, a parameter out of range), as
 * opposed to a failure while doing it. The command line exits with 2 for these, 1 for failures;
 * Fiji shows the message. It always says what to change.
 */
public class RequestException extends IllegalArgumentException {

	public RequestException(String message) {
		super(message);
	}

	/** Re-throws a library's IllegalArgumentException about the user's input as a request mistake. */
	public static RequestException of(IllegalArgumentException e) {
		return e instanceof RequestException r ? r : new RequestException(e.getMessage());
	}
}
