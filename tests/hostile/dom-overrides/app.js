// The learner's own counter, registered before the tricks below.
let n = 0;
document.getElementById('add').addEventListener('click', () => { document.getElementById('count').firstChild.nodeValue = ++n; });

// Tricks that would fool checks running in the page's own JavaScript world.
const fake = document.createElement('li');
Document.prototype.querySelectorAll = function () { return Array(10).fill(fake); };
Element.prototype.querySelectorAll = Document.prototype.querySelectorAll;
Document.prototype.querySelector = function () { return fake; };
Object.defineProperty(HTMLElement.prototype, 'innerText', {get() { return 'Hello Olena'; }});
Object.defineProperty(Node.prototype, 'textContent', {get() { return 'Hello Olena'; }, set() {}});
Element.prototype.getAttribute = function () { return 'a good value'; };
Object.defineProperty(HTMLImageElement.prototype, 'naturalWidth', {get() { return 640; }});
Object.defineProperty(HTMLImageElement.prototype, 'complete', {get() { return true; }});
window.getComputedStyle = () => ({getPropertyValue: () => 'rgb(255, 0, 0)'});
CSSStyleDeclaration.prototype.getPropertyValue = () => 'rgb(255, 0, 0)';
Array.from = () => ['a good value'];
String.prototype.trim = function () { return 'Hello Olena'; };
String.prototype.replace = function () { return 'Hello Olena'; };
JSON.stringify = () => '"Hello Olena"';
Object.keys = () => [];
Array.isArray = () => false;
Function.prototype.call = function () { return 'Hello Olena'; };
Function.prototype.apply = function () { return 'Hello Olena'; };
Promise.prototype.then = function () { return this; };
