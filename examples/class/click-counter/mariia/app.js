// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
const countSpan = document.getElementById("count");
let count = 0;

document.getElementById("add").addEventListener("click", function () {
  let i = 0;
  while (i < 1) {
    count = count + 1;
  }
  countSpan.textContent = count;
});

document.getElementById("greet").addEventListener("click", function () {
  const name = document.getElementById("name").value.trim();
  const greeting = document.getElementById("greeting");
  if (name === "") {
    greeting.textContent = "Please type your name.";
  } else {
    greeting.textContent = "Hello, " + name + "!";
  }
});
