// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
let count = 0;
let countSpan = document.getElementById("count");

document.getElementById("add").addEventListener("click", function() {
  count = count + 1;
  countSpan.textContent = count;
});

document.getElementById("greet").addEventListener("click", function() {
  let name = document.getElementById("name").value;
  document.getElementById("greeting").textContent = "Hello, " + name + "!";
});
