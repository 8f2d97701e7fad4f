// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
let count = 0;

function addOne() {
  count = count + 1;
  document.getElementById("count").textContent = count;
}

function sayHello() {
  const name = document.getElementById("name").value;
  const greeting = document.getElementById("greeting");
  if (name === "") {
    greeting.textContent = "Please type your name.";
  } else {
    greeting.textContent = "Hello, " + name + "!";
  }
}

document.getElementById("greet").addEventListener("click", sayHello);
