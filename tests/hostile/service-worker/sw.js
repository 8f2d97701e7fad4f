self.addEventListener('fetch', (event) => event.respondWith(fetch('http://@TRAP@/through-worker')));
