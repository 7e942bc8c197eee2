// Progressive enhancement only: every page works without this file.
// Focus the first field with an error so keyboard and screen-reader users land on it.
document.addEventListener("DOMContentLoaded", function () {
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }
});
