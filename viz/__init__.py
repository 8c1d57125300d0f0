"""viz: pictures of the backprop graph."""
