// MVP-SEG: segment every image of a folder; saves labels, probabilities and the results table per image.
// Batch use:  ImageJ -batch batch_segment_folder.ijm "input=/path/images output=/path/out classes=[cat, grass, sky] weights=/path/ViT-B-16.pt"
// The model is loaded once for the whole folder.
args = getArgument();
if (args == "") {
	input = getDirectory("Folder of images");
	output = getDirectory("Folder for results");
	Dialog.create("MVP-SEG: batch");
	Dialog.addString("classes", "nucleus, cytoplasm, background", 40);
	Dialog.addString("weights (empty: download ViT-B/16)", "", 40);
	Dialog.addString("prompts (optional)", "", 40);
	Dialog.show();
	args = "input=[" + input + "] output=[" + output + "] classes=[" + Dialog.getString() + "] weights=[" + Dialog.getString() + "] prompts=[" + Dialog.getString() + "]";
}
function value(key, fallback) {
	return call("ij.Macro.getValue", args, key, fallback);
}
input = value("input", "");
output = value("output", "");
if (input == "" || output == "") exit("MVP-SEG: give input=<folder> output=<folder>");
File.makeDirectory(output);
setBatchMode(true);
options = "classes=[" + value("classes", "nucleus, background") + "] model=[" + value("model", "ViT-B/16") + "] weights=[" + value("weights", "") + "] prompts=[" + value("prompts", "") + "] student=[" + value("student", "") + "] show_labels show_probabilities show_table";
list = getFileList(input);
done = 0;
for (i = 0; i < list.length; i++) {
	name = list[i];
	lower = toLowerCase(name);
	if (!(endsWith(lower, ".tif") || endsWith(lower, ".tiff") || endsWith(lower, ".png") || endsWith(lower, ".jpg") || endsWith(lower, ".jpeg"))) continue;
	open(input + File.separator + name);
	title = getTitle();
	base = File.getNameWithoutExtension(title);
	print("MVP-SEG: [" + (i + 1) + "/" + list.length + "] " + name);
	run("Segment by Name...", options);
	if (isOpen(base + "-labels")) {
		selectImage(base + "-labels");
		saveAs("Tiff", output + File.separator + base + ".labels.tif");
		close();
		selectImage(base + "-probabilities");
		saveAs("Tiff", output + File.separator + base + ".probabilities.tif");
		close();
		selectWindow("MVP-SEG Results");
		saveAs("Results", output + File.separator + base + ".results.csv");
		done++;
	}
	selectImage(title);
	close();
}
print("MVP-SEG: segmented " + done + " image(s) into " + output);
