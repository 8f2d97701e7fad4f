// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
let count = 0;
const addButton = document.getElementById("add");
const countText = document.getElementById("count");

// check the button all the time
while (true) {
  addButton.onclick = function () {
    count = count + 1;
    countText.textContent = count;
  };
}

document.getElementById("greet").onclick = function () {
  const name = document.getElementById("name").value;
  document.getElementById("greeting").textContent = "Hello, " + name + "!";
};
