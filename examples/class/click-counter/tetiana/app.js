// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
let count = 0;

// show 0 at the start
document.getElementById("counter").textContent = count;

document.getElementById("add").addEventListener("click", function () {
  count = count + 1;
  document.getElementById("counter").textContent = count;
});

document.getElementById("greet").addEventListener("click", function () {
  let name = document.getElementById("name").value;
  if (name === "") {
    document.getElementById("greeting").textContent = "Please type your name.";
  } else {
    document.getElementById("greeting").textContent = "Hello, " + name + "!";
  }
});
