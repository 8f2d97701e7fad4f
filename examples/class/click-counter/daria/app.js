// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
let count = 0;
const countSpan = document.getElementById("count");
document.getElementById("add").addEventListener("click", function () {
  count = count + 1;
  countSpan.textContent = count;
});

// greeting with jQuery (from a tutorial)
$("#greet").click(function () {
  const name = $("#name").val().trim();
  if (name === "") {
    $("#greeting").text("Please type your name.");
  } else {
    $("#greeting").text("Hello, " + name + "!");
  }
});
