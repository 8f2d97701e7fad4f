document.getElementById('js').textContent = 'script ran â€” ğŸ˜€ €';
