// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
let count = 0;
const countSpan = document.getElementById("count");
const nameInput = document.getElementById("name");
const greeting = document.getElementById("greeting");

document.getElementById("add").addEventListener("click", function () {
  count = count + 1;
  countSpan.textContent = count;
});

document.getElementById("greet").addEventListener("click", function () {
  if (nameInput.value === "") {
    greeting.textContent = "Please type your name.";
  } else {
    greeting.textContent = "Hello, Olena!";
  }
});
