// When the button #add is clicked, add one to the number in #count.
// When the button #greet is clicked, show "Hello, NAME!" in #greeting,
// or "Please type your name." when the box #name is empty.
var countEl = document.getElementById("count");
var addBtn = document.getElementById("add");

addBtn.addEventListener("click", function () {
    countEl.textContent = countEl.textContent + 1;
});

var greetBtn = document.getElementById("greet");
greetBtn.addEventListener("click", function () {
    var name = document.getElementById("name").value;
    if (name == "") {
        document.getElementById("greeting").textContent = "Please type your name.";
    } else {
        document.getElementById("greeting").textContent = "Hello, " + name + "!";
    }
});
