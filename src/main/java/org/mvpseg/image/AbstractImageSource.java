package org.mvpseg.image;

/** The fixed facts of an {@link ImageSource}; subclasses only say how to read pixels. */
public abstract class AbstractImageSource implements ImageSource {

	private final int width, height, channels;
	private final Kind kind;
	private final Calibration calibration;

	protected AbstractImageSource(int width, int height, int channels, Kind kind, Calibration calibration) {
		this.width = width;
		this.height = height;
		this.channels = channels;
		this.kind = kind;
		this.calibration = calibration;
	}

	@Override
	public final int width() {
		return width;
	}

	@Override
	public final int height() {
		return height;
	}

	@Override
	public final int channels() {
		return channels;
	}

	@Override
	public final Kind kind() {
		return kind;
	}

	@Override
	public final Calibration calibration() {
		return calibration;
	}
}
