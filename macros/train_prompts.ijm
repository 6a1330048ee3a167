// MVP-SEG: train prompts on an annotated folder (images/, labels/, classes.txt).
// Batch use:  ImageJ -batch train_prompts.ijm "input=/data/train output=/data/cells.prompts classes=[nucleus, membrane, background] weights=/models/ViT-B-16.pt"
// Keys: input (the folder), output (the prompt set to write), classes (the seen classes to learn),
//       weights or model, and optionally iterations, crop, batch, learning_rate, random_seed.
// Errors end the macro with their message, never with a dialog that waits when the macro runs headless.
function fail(message) {
	print(message);
	if (getArgument() != "") exit;
	exit(message);
}
args = getArgument();
if (args == "") {
	input = getDirectory("Folder with images/, labels/ and classes.txt");
	Dialog.create("MVP-SEG: Train prompts");
	Dialog.addString("seen classes", "nucleus, background", 40);
	Dialog.addString("save prompts as", input + "mvpseg.prompts", 40);
	Dialog.addString("weights (empty: download ViT-B/16)", "", 40);
	Dialog.addNumber("iterations", 1000);
	Dialog.show();
	args = "input=[" + input + "] classes=[" + Dialog.getString() + "] output=[" + Dialog.getString() + "] weights=[" + Dialog.getString() + "] iterations=" + Dialog.getNumber();
}
function value(key, fallback) {
	return call("ij.Macro.getValue", args, key, fallback);
}
input = value("input", "");
output = value("output", "");
if (input == "" || output == "") fail("MVP-SEG: give input=<dataset folder> output=<prompt file>");
options = "source=Folder data_folder=[" + input + "] seen=[" + value("classes", "") + "] prompts_out=[" + output + "] model=[" + value("model", "ViT-B/16") + "] weights=[" + value("weights", "") + "] iterations=" + value("iterations", "1000") + " crop=" + value("crop", "448") + " batch=" + value("batch", "4") + " learning_rate=" + value("learning_rate", "0.002") + " random_seed=" + value("random_seed", "0");
run("Train Prompts...", options);
if (File.exists(output)) print("MVP-SEG: prompts written to " + output);
else print("MVP-SEG: training failed, see the log above");
