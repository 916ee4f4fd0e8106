/* A read-only field marked data-select-on-click selects its whole value when clicked (the new API key). */
document.addEventListener("click", function (event) {
  var field = event.target.closest && event.target.closest("[data-select-on-click]");
  if (field) field.select();
});
