"""What all components agree on: names, labels, the component base class, target context and kind."""
