// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
let count = 0;
const countSpan = document.getElementById("count");
document.getElementById("add").addEventListener("click", function () {
  count += 1;
  countSpan.textContent = count;
});

document.getElementById("greet").addEventListener("click", function () {
  const name = document.getElementById("name").value.trim();
  const greeting = document.getElementById("greeting");
  if (name === "") {
    greeting.textContent = "Please type your name.";
  } else {
    greeting.textContent = "Hello " + name + "!";
  }
});
