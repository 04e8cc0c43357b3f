// Copy buttons: <button class="copy" data-copy="ID"> copies the text of the element with that id.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) { return; }
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) { return; }
  var text = source.value !== undefined ? source.value : source.textContent;
  var done = function () { button.textContent = "已复制"; };
  var bySelection = function () {
    if (source.select) {
      source.select();
    } else {
      var range = document.createRange(); range.selectNodeContents(source);
      var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    }
    if (document.execCommand("copy")) { done(); } else { button.textContent = "已选中，请按 Ctrl+C"; }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, bySelection);
  } else {
    bySelection();
  }
});

// File pickers: the chosen file's name beside the styled 选择文件 button (the browser's own text is hidden).
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file]")) { return; }
  var shown = document.querySelector("[data-file-name-for='" + input.id + "']");
  if (shown) { shown.textContent = input.files.length ? input.files[0].name : "未选择文件"; }
});
