"""The HTTP edge: the Connexion app factory, the handlers (which only translate), the validators that
word their failures, and the error answers."""
