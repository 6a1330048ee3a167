#@ Img image
#@ MvpSegService mvpseg
#@ String (label = "Class names", value = "nucleus, cytoplasm, background") classes
#@ File (label = "Weights file (empty: the ViT-B/16 download)", required = false) weights
#@output Img labels
#@output Img probabilities

// Segment the open image by class names through MVP-SEG's script service. The image is XY (grey) or XYC
// (channels last, as Fiji holds an RGB image); the labels come back as an ImgLib2 image (value n = the n-th name),
// the probabilities as XYC (one channel per name). Run it twice with other names: the second run reuses the
// image's features and takes a fraction of the time.
import org.mvpseg.pipeline.SegmentRequest

def request = SegmentRequest.builder()
	.model(weights == null ? "" : weights.path, "ViT-B/16")
	.classes(classes)
	.build()
def result = mvpseg.segment(image, request)
labels = result.labels()
probabilities = result.probabilities()
println String.format("MVP-SEG: %s in %.2f s (image windows reused %d, computed %d)", result.classes(),
	result.seconds(), result.features().reused(), result.features().computed())
