// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
const countSpan = document.getElementById("count");
const addButton = document.getElementById("add");
const nameInput = document.getElementById("name");
const greetButton = document.getElementById("greet");
const greetingText = document.getElementById("greeting");

let count = 0;

addButton.addEventListener("click", function () {
  count++;
  countSpan.textContent = count;
});

greetButton.addEventListener("click", function () {
  const name = nameInput.value.trim();
  if (name === "") {
    greetingText.textContent = "Please type your name.";
  } else {
    greetingText.textContent = "Hello, " + name + "!";
  }
});
