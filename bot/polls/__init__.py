"""Polls (jajak pendapat): the store, the messages residents get, and the runs that send,
remind and close them."""
